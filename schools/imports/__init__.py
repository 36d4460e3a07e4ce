"""Excel imports of schools and curators: read the sheet, check every row, and plan what will change.

Nothing here writes to the database. A plan lists every bad row with its line number and reason, and
for good files what each row will do (new / updated / unchanged). `schools.services` applies a plan
only when it has no errors, re-planning inside its transaction, so a file is all-or-nothing and
importing the same file twice changes nothing the second time.

- `sheet`: the columns of each kind of file, the plan and its rows, reading and checking cells;
- `plans`: the schools and the curators files, row by row;
- `files`: templates and one-time passwords to download, uploads waiting for the import, sealed passwords.
"""

from .files import (  # noqa: F401
    CREDENTIALS_PURPOSE,
    CREDENTIALS_SUFFIX,
    CREDENTIALS_TTL,
    HEADER_FILL,
    PENDING_TTL,
    Credential,
    credentials_discard,
    credentials_load,
    credentials_path,
    credentials_store,
    credentials_workbook,
    one_time_password,
    pending_cleanup,
    pending_dir,
    pending_path,
    pending_save,
    template_workbook,
)
from .plans import (  # noqa: F401
    plan_curators,
    plan_file,
    plan_schools,
)
from .sheet import (  # noqa: F401
    AREAS,
    COLUMNS,
    CURATOR_COLUMNS,
    CURATORS,
    FIELD_LABELS,
    KIND_LABELS,
    LEGAL_FORMS,
    MAX_ROWS,
    SCHOOL_COLUMNS,
    SCHOOL_KINDS,
    SCHOOLS,
    Col,
    ImportFileError,
    ImportPlan,
    PlannedRow,
    RowError,
    read_sheet,
)

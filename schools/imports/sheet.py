"""Excel imports: the columns of each kind of file, the plan of what a file will change, and reading the sheet.

Nothing here writes to the database. A plan lists every bad row with its line number and reason, and
for good files what each row will do (new / updated / unchanged). `schools.services` applies a plan
only when it has no errors, re-planning inside its transaction, so a file is all-or-nothing and
importing the same file twice changes nothing the second time.
"""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zipfile import BadZipFile

from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from roadmap_portal.formatting import plural
from roadmap_portal.parsing import NumberParseError, parse_number
from roadmap_portal.uploads import spreadsheet_check

from ..models import School

SCHOOLS = "schools"
CURATORS = "curators"
KIND_LABELS = {SCHOOLS: "Школы", CURATORS: "Кураторы"}
MAX_ROWS = 50_000


class ImportFileError(Exception):
    """The file as a whole cannot be read (not an Excel file, no header row, a column missing)."""


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    required: bool = False
    hint: str = ""
    example: object = ""
    width: int = 18


SCHOOL_COLUMNS = [
    Col("district", "Район", True, "Как в портале, например: Первомайский", "Первомайский", 18),
    Col("full_name", "Полное название", True, "Точно как в документах: МБОУ «Школа № 97»", "МБОУ «Школа № 97»", 44),
    Col("legal_form", "Форма", False, "МБОУ, МАОУ или иная; пусто — по началу названия", "МБОУ", 10),
    Col("kind", "Тип", False, "школа, СОШ, гимназия, лицей или иное; пусто — по названию", "школа", 12),
    Col("number", "Номер", False, "Целое число", 97, 9),
    Col("area", "Местность", False, "городская или сельская; пусто — городская", "городская", 12),
    Col("students_count", "Обучающихся", False, "Целое число", 1120, 12),
    Col("teachers_count", "Педагогов", False, "Целое число", 74, 11),
    Col("address", "Адрес", False, "", "ул. Примерная, 1", 30),
]
CURATOR_COLUMNS = [
    Col("school", "Школа", True, "Полное название, как в портале", "МБОУ «Школа № 97»", 36),
    Col("last_name", "Фамилия", True, "", "Иванова", 16),
    Col("first_name", "Имя", True, "", "Мария", 14),
    Col("patronymic", "Отчество", False, "", "Сергеевна", 16),
    Col("email", "E-mail", True, "Рабочий адрес куратора", "ivanova@school97.ru", 28),
    Col("login", "Логин", False, "Пусто — логином станет e-mail", "", 22),
    Col("phone", "Телефон", False, "", "+7 863 000-00-00", 18),
    Col("position", "Должность", False, "", "заместитель директора", 24),
    Col("order_number", "Номер приказа", False, "О назначении куратора", "57-о", 14),
    Col("order_date", "Дата приказа", False, "ДД.ММ.ГГГГ", dt.date(2022, 7, 1), 14),
]
COLUMNS = {SCHOOLS: SCHOOL_COLUMNS, CURATORS: CURATOR_COLUMNS}

LEGAL_FORMS = {"мбоу": School.LegalForm.MBOU, "маоу": School.LegalForm.MAOU, "иная": School.LegalForm.OTHER, "другая": School.LegalForm.OTHER}
SCHOOL_KINDS = {
    "школа": School.Kind.SCHOOL,
    "сош": School.Kind.SOSH,
    "гимназия": School.Kind.GYMNASIUM,
    "лицей": School.Kind.LYCEUM,
    "иное": School.Kind.OTHER,
    "другое": School.Kind.OTHER,
}
AREAS = {"городская": True, "город": True, "сельская": False, "село": False}
FIELD_LABELS = {
    "district": "район",
    "legal_form": "форма",
    "kind": "тип",
    "number": "номер",
    "is_urban": "местность",
    "students_count": "обучающихся",
    "teachers_count": "педагогов",
    "address": "адрес",
    "email": "e-mail",
    "first_name": "имя",
    "last_name": "фамилия",
    "phone": "телефон",
    "position": "должность",
    "order_number": "номер приказа",
    "order_date": "дата приказа",
}


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class PlannedRow:
    line: int
    status: str  # new, updated, unchanged
    label: str
    changes: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    @property
    def status_label(self) -> str:
        return {"new": "новая запись", "updated": "изменится", "unchanged": "без изменений"}[self.status]


@dataclass
class ImportPlan:
    kind: str
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    new_districts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("new", "updated", "unchanged")}

    @property
    def has_changes(self) -> bool:
        return any(r.status != "unchanged" for r in self.rows) or bool(self.new_districts)

    @property
    def bad_lines(self) -> int:
        return len({e.line for e in self.errors})

    @property
    def errors_summary(self) -> str:
        """«3 ошибки в 2 строках»."""
        errors, lines = len(self.errors), self.bad_lines
        return f"{errors} {plural(errors, 'ошибка', 'ошибки', 'ошибок')} в {lines} {plural(lines, 'строке', 'строках', 'строках')}"


# --- Reading the sheet -------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Case, spaces and the two kinds of quotes do not matter when matching names."""
    text = re.sub(r"\s+", " ", str(text)).strip().lower()
    return text.replace('"', "«").replace("«", "").replace("»", "").replace("ё", "е")


def _clean(value) -> object:
    if isinstance(value, str):
        value = re.sub(r"\s+", " ", value).strip()
        return value or None
    return value


def read_sheet(path: Path | str, columns: list[Col]) -> Iterator[tuple[int, dict]]:
    """(line number, {key: cell}) for every non-empty row under the header row of the first sheet."""
    try:
        with open(path, "rb") as stream:
            spreadsheet_check(stream, Path(path).name)
    except ValidationError as error:
        raise ImportFileError(" ".join(error.messages)) from error
    except OSError as error:
        raise ImportFileError("Файл не читается как таблица Excel (.xlsx). Сохраните его в Excel как «Книга Excel» и загрузите снова.") from error
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError("Файл не читается как таблица Excel (.xlsx). Сохраните его в Excel как «Книга Excel» и загрузите снова.") from error
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_line, positions = _find_header(rows, columns)
        for offset, values in enumerate(rows, start=header_line + 1):
            if offset - header_line > MAX_ROWS:
                raise ImportFileError(f"В файле больше {MAX_ROWS} строк. Разделите его на части.")
            cells = {key: _clean(values[i]) if i < len(values) else None for key, i in positions.items()}
            if any(v is not None for v in cells.values()):
                yield offset, cells
    finally:
        workbook.close()


def _find_header(rows: Iterator[tuple], columns: list[Col]) -> tuple[int, dict[str, int]]:
    """The header is the first row (within the first ten) naming every required column."""
    wanted = {_norm(c.header): c for c in columns}
    for line, values in enumerate(rows, start=1):
        found = {}
        for i, value in enumerate(values):
            if value is not None and _norm(str(value).split("(")[0]) in wanted:
                found[wanted[_norm(str(value).split("(")[0])].key] = i
        if all(c.key in found for c in columns if c.required):
            return line, found
        if line >= 10:
            break
    missing = ", ".join(f"«{c.header}»" for c in columns if c.required)
    raise ImportFileError(f"Не найдена строка заголовков: в первых строках листа должны быть столбцы {missing}. Возьмите за основу шаблон.")


def _integer(value, errors: list[RowError], line: int, header: str) -> int | None:
    """A whole non-negative number as people type it («1 200», «1200»; see roadmap_portal.parsing)."""
    try:
        number = parse_number(value, integer=True)
    except NumberParseError:
        number = Decimal(-1)
    if number is not None and number < 0:
        errors.append(RowError(line, header, f"«{value}» — не целое неотрицательное число (пример: «1 200»)"))
        return None
    return None if number is None else int(number)


def _date(value, errors: list[RowError], line: int, header: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.strptime(str(value), "%d.%m.%Y").date()  # noqa: DTZ007 - a calendar date, no time
    except ValueError:
        errors.append(RowError(line, header, f"«{value}» — не дата; пишите ДД.ММ.ГГГГ"))
        return None


def _required(cells: dict, columns: list[Col], errors: list[RowError], line: int) -> bool:
    ok = True
    for col in columns:
        if col.required and cells.get(col.key) is None:
            errors.append(RowError(line, col.header, "не заполнено — обязательный столбец"))
            ok = False
    return ok


def _changes(obj, values: dict) -> list[str]:
    changes = []
    for name, new in values.items():
        old = getattr(obj, name)
        if new is not None and old != new:
            changes.append(f"{FIELD_LABELS.get(name, name)}: {_show(old)} → {_show(new)}")
    return changes


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "городская" if value else "сельская"
    if isinstance(value, dt.date):
        return f"{value:%d.%m.%Y}"
    return str(value)

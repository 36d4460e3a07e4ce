"""Files attached to a save that was refused (a typo elsewhere in the form): kept aside as pending uploads of
the draft, shown as attached, and stored with the answer by the next save that goes through.

The browser cannot put a file back into a file input, so the form carries a signed token instead: it names
the kept file, the person, the round and the question, and expires after PENDING_MAX_AGE. The file is checked
by content (roadmap_portal.uploads.evidence_check) before it is kept; nobody else's token opens it.
"""

import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.files.base import File

from roadmap_portal.uploads import evidence_check

from .models import Answer

PENDING_DIR = "evidence/pending"
PENDING_MAX_AGE = 2 * 24 * 3600  # seconds: a draft left over a weekend is not expected to keep its files
_SALT = "surveys.pending-upload"


def _storage():
    return Answer._meta.get_field("file").storage


@dataclass(frozen=True)
class PendingUpload:
    code: str
    name: str  # the sanitised original name shown to people
    token: str

    @property
    def field(self) -> str:
        return f"q_{self.code}__pending"


def pending_upload_keep(*, upload, user_id: int, round_id: int, code: str) -> PendingUpload:
    """Check the upload, keep it under a random name and return the token the form carries."""
    evidence = evidence_check(upload)
    upload.seek(0)
    stored = _storage().save(f"{PENDING_DIR}/{uuid.uuid4().hex}.{evidence.kind}", upload)
    token = signing.dumps({"path": stored, "name": evidence.display_name, "user": user_id, "round": round_id, "code": code}, salt=_SALT)
    return PendingUpload(code=code, name=evidence.display_name, token=token)


def _payload(token: str, *, user_id: int, round_id: int, code: str) -> dict | None:
    try:
        data = signing.loads(token, salt=_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        return None
    if (data.get("user"), data.get("round"), data.get("code")) != (user_id, round_id, code):
        return None
    if not str(data.get("path", "")).startswith(f"{PENDING_DIR}/") or not _storage().exists(data["path"]):
        return None
    return data


def pending_upload_find(token: str, *, user_id: int, round_id: int, code: str) -> PendingUpload | None:
    data = _payload(token, user_id=user_id, round_id=round_id, code=code)
    return PendingUpload(code=code, name=data["name"], token=token) if data else None


def pending_upload_open(token: str, *, user_id: int, round_id: int, code: str) -> File | None:
    """The kept file, opened, with its original name (for the save that stores it with the answer)."""
    data = _payload(token, user_id=user_id, round_id=round_id, code=code)
    if data is None:
        return None
    handle = _storage().open(data["path"], "rb")
    return File(handle, name=data["name"])


def pending_upload_discard(token: str) -> None:
    """Delete a kept file once its answer has it (or the person removed it)."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return
    path = str(data.get("path", ""))
    if path.startswith(f"{PENDING_DIR}/"):
        _storage().delete(path)

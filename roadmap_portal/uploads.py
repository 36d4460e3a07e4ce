"""Uploaded files checked by content before anything keeps them: curators' evidence, methodologists' event
documents and the administrators' Excel imports.

Office files (DOCX, XLSX) are ZIP archives, and a 1 MB one can unpack to gigabytes. They are inspected as streams:
the archive's directory is read first and refused when it lists too many parts, unpacks to more than
UPLOAD_MAX_EXPANDED_BYTES or packs a part more tightly than UPLOAD_MAX_RATIO; the one part read here
([Content_Types].xml) is read with a cap and parsed by defusedxml (no entities, no external references).
Python's zipfile never returns more than a part's declared size, so an archive that understates its sizes
ends in a CRC error, not in memory. Nothing is ever read into memory whole.
"""

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename

ALLOWED_EXTENSIONS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "jpg": "jpg", "jpeg": "jpg", "png": "png"}
KIND_LABELS = {"pdf": "PDF", "docx": "документ Word (DOCX)", "xlsx": "таблица Excel (XLSX)", "jpg": "изображение JPEG", "png": "изображение PNG"}
ACCEPT_ATTRIBUTE = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONTENT_TYPES = "[Content_Types].xml"
MAIN_PART_TYPES = {
    "docx": ("wordprocessingml.document.main+xml", "wordprocessingml.template.main+xml"),
    "xlsx": ("spreadsheetml.sheet.main+xml", "spreadsheetml.template.main+xml", "ms-excel.sheet.macroEnabled.main+xml"),
}
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
# Parts smaller than this may pack as tightly as they like: the ratio limit is for what could grow large.
RATIO_MIN_PART_BYTES = 1024 * 1024
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Evidence:
    kind: str  # pdf, docx, xlsx, jpg, png
    display_name: str  # sanitised original name shown to people
    size: int


def _mb(value: int) -> int:
    return value // (1024 * 1024)


def _refuse(message: str, name: str, **params) -> ValidationError:
    return ValidationError(message, params={"name": name, **params})


def read_capped(archive: zipfile.ZipFile, member: zipfile.ZipInfo, cap: int) -> bytes:
    """The part's content, read in chunks; more than `cap` bytes is an error, not an allocation."""
    chunks, total = [], 0
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            total += len(chunk)
            if total > cap:
                raise ValueError(f"{member.filename} is larger than {cap} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


def inspect_office_file(fileobj, name: str) -> str | None:
    """'docx' or 'xlsx' for an Office file within the limits, None if it is not one; ValidationError for a bomb."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            if len(members) > settings.UPLOAD_MAX_PARTS:
                raise _refuse(
                    "Файл «%(name)s» состоит из слишком многих частей (%(parts)s, можно не больше %(limit)s). Сохраните документ заново и прикрепите снова.",
                    name,
                    parts=len(members),
                    limit=settings.UPLOAD_MAX_PARTS,
                )
            expanded = sum(member.file_size for member in members)
            packed_tight = any(
                member.file_size > RATIO_MIN_PART_BYTES and member.file_size > settings.UPLOAD_MAX_RATIO * max(member.compress_size, 1) for member in members
            )
            if expanded > settings.UPLOAD_MAX_EXPANDED_BYTES or packed_tight:
                raise _refuse(
                    "Файл «%(name)s» распаковывается в слишком большой объём (больше %(limit)s МБ) — так выглядят файлы, "
                    "созданные, чтобы вывести сервер из строя. Если это обычный документ, сохраните его заново или в PDF и прикрепите снова.",
                    name,
                    limit=_mb(settings.UPLOAD_MAX_EXPANDED_BYTES),
                )
            types_member = next((m for m in members if m.filename == CONTENT_TYPES), None)
            if types_member is None:
                return None
            root = ElementTree.fromstring(read_capped(archive, types_member, CONTENT_TYPES_MAX_BYTES), forbid_dtd=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, ElementTree.ParseError, DefusedXmlException, NotImplementedError):
        return None
    finally:
        fileobj.seek(0)
    declared = [element.get("ContentType", "") for element in root]
    for kind, suffixes in MAIN_PART_TYPES.items():
        if any(content_type.endswith(suffix) for content_type in declared for suffix in suffixes):
            return kind
    return None


def sniff(uploaded, name: str) -> str | None:
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        return inspect_office_file(uploaded, name)
    return None


def safe_display_name(name: str, kind: str) -> str:
    stem = PurePath(name.replace("\\", "/")).stem[:120] or "документ"
    # Keeps Cyrillic letters; drops path parts, spaces and anything a shell or a header could misread.
    clean = get_valid_filename(stem) if stem.strip(". ") else "документ"
    return f"{clean}.{kind}"


def evidence_check(uploaded) -> Evidence:
    """Accept a PDF, DOCX, XLSX, JPG or PNG up to EVIDENCE_MAX_BYTES whose content matches its extension.

    The result is remembered on the upload: a form's check and the service that stores the file share one check.
    """
    checked = getattr(uploaded, "portal_evidence", None)
    if checked is not None:
        return checked
    name = uploaded.name or ""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError("Можно прикрепить только PDF, DOCX, XLSX, JPG или PNG. Файл «%(name)s» другого типа.", params={"name": name})
    limit = settings.EVIDENCE_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            "Файл «%(name)s» больше %(limit)s МБ. Уменьшите его (например, сохраните скан в меньшем разрешении) и прикрепите снова.",
            params={"name": name, "limit": _mb(limit)},
        )
    if uploaded.size == 0:
        raise ValidationError("Файл «%(name)s» пустой.", params={"name": name})
    expected = ALLOWED_EXTENSIONS[extension]
    actual = sniff(uploaded, name)
    if actual != expected:
        raise ValidationError(
            "Файл «%(name)s» не похож на %(kind)s: его содержимое не соответствует расширению или файл повреждён. "
            "Сохраните документ заново и прикрепите снова.",
            params={"name": name, "kind": KIND_LABELS[expected]},
        )
    evidence = Evidence(kind=actual, display_name=safe_display_name(name, expected), size=uploaded.size)
    uploaded.portal_evidence = evidence
    return evidence


def spreadsheet_check(fileobj, name: str = "") -> None:
    """An .xlsx for an import: refused before openpyxl opens it if it is not one or unpacks beyond the limits."""
    if inspect_office_file(fileobj, name) != "xlsx":
        raise ValidationError(
            "Файл «%(name)s» не читается как таблица Excel (.xlsx). Сохраните его в Excel как «Книга Excel» и загрузите снова.", params={"name": name}
        )

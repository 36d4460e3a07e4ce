"""Evidence files: what a curator may upload, checked by content, and the safe name it is kept under."""

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename

ALLOWED_EXTENSIONS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "jpg": "jpg", "jpeg": "jpg", "png": "png"}
KIND_LABELS = {"pdf": "PDF", "docx": "документ Word (DOCX)", "xlsx": "таблица Excel (XLSX)", "jpg": "изображение JPEG", "png": "изображение PNG"}
ACCEPT_ATTRIBUTE = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OOXML_MARKERS = {"docx": b"wordprocessingml", "xlsx": b"spreadsheetml"}


@dataclass(frozen=True)
class Evidence:
    kind: str  # pdf, docx, xlsx, jpg, png
    display_name: str  # sanitised original name shown to people


def _sniff(uploaded) -> str | None:
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
        try:
            with zipfile.ZipFile(uploaded) as archive:
                content_types = archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
        finally:
            uploaded.seek(0)
        for kind, marker in OOXML_MARKERS.items():
            if marker in content_types:
                return kind
    return None


def safe_display_name(name: str, kind: str) -> str:
    stem = PurePath(name.replace("\\", "/")).stem[:120] or "документ"
    # Keeps Cyrillic letters; drops path parts, spaces and anything a shell or a header could misread.
    clean = get_valid_filename(stem) if stem.strip(". ") else "документ"
    return f"{clean}.{kind}"


def evidence_check(uploaded) -> Evidence:
    """Accept a PDF, DOCX, XLSX, JPG or PNG up to EVIDENCE_MAX_BYTES whose content matches its extension."""
    name = uploaded.name or ""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError("Можно прикрепить только PDF, DOCX, XLSX, JPG или PNG. Файл «%(name)s» другого типа.", params={"name": name})
    limit = settings.EVIDENCE_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            "Файл «%(name)s» больше %(limit)s МБ. Уменьшите его (например, сохраните скан в меньшем разрешении) и прикрепите снова.",
            params={"name": name, "limit": limit // (1024 * 1024)},
        )
    if uploaded.size == 0:
        raise ValidationError("Файл «%(name)s» пустой.", params={"name": name})
    expected = ALLOWED_EXTENSIONS[extension]
    actual = _sniff(uploaded)
    if actual != expected:
        raise ValidationError(
            "Файл «%(name)s» не похож на %(kind)s: его содержимое не соответствует расширению. Сохраните документ заново и прикрепите снова.",
            params={"name": name, "kind": KIND_LABELS[expected]},
        )
    return Evidence(kind=actual, display_name=safe_display_name(name, extension if extension != "jpeg" else "jpg"))

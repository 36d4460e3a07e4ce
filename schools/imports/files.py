"""Files of the imports: the templates and the one-time passwords sheet to download, uploads waiting between the
preview and the import, sealed passwords of imported curators."""

import datetime as dt
import re
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from roadmap_portal.spreadsheets import neutralise

from ..models import District, Municipality
from .sheet import (
    COLUMNS,
    CURATORS,
    KIND_LABELS,
    SCHOOLS,
)

# --- Files to download -------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")


def template_workbook(kind: str, municipality: Municipality | None) -> Workbook:
    """An empty sheet with the header row, a filled example and the rules on separate sheets."""
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = KIND_LABELS[kind]
    for i, col in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=i, value=col.header)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(i)].width = col.width
        if col.key in ("order_date",):
            for row in range(2, 502):
                sheet.cell(row=row, column=i).number_format = "DD.MM.YYYY"
    sheet.freeze_panes = "A2"
    example = workbook.create_sheet("Пример")
    example.append([c.header for c in columns])
    example.append([c.example for c in columns])
    for i, col in enumerate(columns, start=1):
        example.column_dimensions[get_column_letter(i)].width = col.width
        example.cell(row=1, column=i).font = Font(bold=True)
    example.cell(row=2, column=len(columns)).number_format = "DD.MM.YYYY"
    rules = workbook.create_sheet("Как заполнить")
    rules.column_dimensions["A"].width = 22
    rules.column_dimensions["B"].width = 80
    rules.append(["Столбец", "Что писать"])
    for col in columns:
        rules.append([col.header, ("Обязательно. " if col.required else "") + col.hint])
    rules.append([])
    rules.append(["", "Заполняйте первый лист, одна строка — одна " + ("школа." if kind == SCHOOLS else "школа и её куратор.")])
    rules.append(["", "Пустая необязательная ячейка не меняет то, что уже есть в портале."])
    if kind == SCHOOLS and municipality is not None:
        names = ", ".join(District.objects.filter(municipality=municipality).order_by("name").values_list("name", flat=True))
        rules.append(["", f"Районы в портале: {names or 'пока нет'}."])
    if kind == CURATORS:
        rules.append(["", "Новым кураторам портал создаст учётные записи с одноразовыми паролями: их выдаст файл после импорта."])
        rules.append(["", "Писем портал не отправляет. При первом входе куратор сменит пароль."])
    for row in rules.iter_rows(min_row=1, max_row=1):
        for cell in row:
            cell.font = Font(bold=True)
    return workbook


@dataclass
class Credential:
    person: str
    school: str
    login: str
    password: str


def one_time_password() -> str:
    """12 characters in three groups, without look-alike letters: easy to dictate, hard to guess."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")
    while True:
        raw = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in raw) and any(c.islower() for c in raw) and any(c.isupper() for c in raw):
            return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def credentials_workbook(credentials: list[Credential], portal_url: str) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Логины и пароли"
    sheet.append([f"Учётные записи кураторов портала ЦОС: {portal_url}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["Пароль одноразовый: при первом входе портал попросит придумать свой. Передайте каждому куратору только его строку."])
    sheet.append([])
    sheet.append(["Куратор", "Школа", "Логин", "Одноразовый пароль"])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for c in credentials:
        # Names come from the imported file: neutralised so that none becomes a formula. The login is typed as shown.
        sheet.append([neutralise(c.person), neutralise(c.school), c.login, c.password])
    for letter, width in zip("ABCD", (34, 40, 28, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A5"
    sheet.auto_filter.ref = f"A4:D{4 + max(1, len(credentials))}"
    return workbook


# --- Files waiting between the preview and the import ------------------------------------------

PENDING_TTL = dt.timedelta(hours=12)


def pending_dir() -> Path:
    from django.conf import settings

    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pending_path(token: str, suffix: str = ".xlsx") -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
        raise ValueError("bad token")
    return pending_dir() / f"{token}{suffix}"


def pending_save(uploaded) -> str:
    """Keep an uploaded file on the server under a random token (the preview and the import read it,
    nobody uploads it twice) and drop files left behind by abandoned previews and undownloaded logins."""
    pending_cleanup()
    token = secrets.token_urlsafe(18)
    with pending_path(token).open("wb") as target:
        for chunk in uploaded.chunks():
            target.write(chunk)
    return token


def pending_cleanup() -> None:
    import time

    now = time.time()
    for pattern, ttl in (("*.xlsx", PENDING_TTL), (f"*{CREDENTIALS_SUFFIX}", CREDENTIALS_TTL)):
        for old in pending_dir().glob(pattern):
            if old.stat().st_mtime < now - ttl.total_seconds():
                old.unlink(missing_ok=True)


# --- One-time passwords of imported curators: sealed on disk until downloaded, for at most an hour -------

CREDENTIALS_TTL = dt.timedelta(hours=1)
CREDENTIALS_SUFFIX = "-logins.sealed"
CREDENTIALS_PURPOSE = "curator-logins"


def credentials_path(token: str) -> Path:
    return pending_path(token, CREDENTIALS_SUFFIX)


def credentials_store(token: str, credentials: list[Credential]) -> None:
    import json

    from roadmap_portal.sealing import seal

    data = json.dumps([vars(c) for c in credentials], ensure_ascii=False).encode()
    path = credentials_path(token)
    path.write_bytes(seal(data, purpose=CREDENTIALS_PURPOSE))
    path.chmod(0o600)


def credentials_load(token: str) -> list[Credential] | None:
    """The logins of an import, or None when they were downloaded, expired (the file goes then) or tampered with."""
    import json
    import time

    from roadmap_portal.sealing import SealBroken, unseal

    path = credentials_path(token)
    try:
        if path.stat().st_mtime < time.time() - CREDENTIALS_TTL.total_seconds():
            raise SealBroken("expired")
        sealed = path.read_bytes()
        data = unseal(sealed, purpose=CREDENTIALS_PURPOSE, max_age_seconds=int(CREDENTIALS_TTL.total_seconds()))
    except FileNotFoundError:
        return None
    except SealBroken:
        path.unlink(missing_ok=True)
        return None
    return [Credential(**row) for row in json.loads(data)]


def credentials_discard(token: str) -> None:
    credentials_path(token).unlink(missing_ok=True)

"""Excel imports of schools and curators: read the sheet, check every row, and plan what will change.

Nothing here writes to the database. A plan lists every bad row with its line number and reason, and
for good files what each row will do (new / updated / unchanged). `schools.services` applies a plan
only when it has no errors, re-planning inside its transaction, so a file is all-or-nothing and
importing the same file twice changes nothing the second time.
"""

import datetime as dt
import re
import secrets
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zipfile import BadZipFile

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from roadmap_portal.formatting import plural
from roadmap_portal.parsing import NumberParseError, parse_number
from roadmap_portal.spreadsheets import neutralise
from roadmap_portal.uploads import spreadsheet_check

from .models import Curator, District, Municipality, School
from .roles import STAFF_GROUPS

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


# --- Schools -----------------------------------------------------------------------------------


def _guess_legal_form(name: str) -> str:
    head = name.split(" ", 1)[0].lower()
    return LEGAL_FORMS.get(head, School.LegalForm.OTHER)


def _guess_kind(name: str) -> str:
    lowered = name.lower()
    for word, kind in (("гимназия", School.Kind.GYMNASIUM), ("лицей", School.Kind.LYCEUM), ("сош", School.Kind.SOSH), ("школа", School.Kind.SCHOOL)):
        if word in lowered:
            return kind
    return School.Kind.OTHER


def plan_schools(path: Path | str, *, municipality: Municipality, create_districts: bool = False) -> ImportPlan:
    """Check every row of a schools file and plan what it changes. Queries: districts, schools."""
    plan = ImportPlan(kind=SCHOOLS)
    districts = {_norm(d.name): d for d in District.objects.filter(municipality=municipality)}
    existing = {_norm(s.full_name): s for s in School.objects.filter(municipality=municipality).select_related("district")}
    by_number = {(s.district_id, s.kind, s.number): s for s in existing.values() if s.number is not None}
    seen: dict[str, int] = {}
    new_districts: dict[str, str] = {}
    headers = {c.key: c.header for c in SCHOOL_COLUMNS}
    for line, cells in read_sheet(path, SCHOOL_COLUMNS):
        errors: list[RowError] = []
        # Every cell of a row is checked, so one pass over the file names all its problems.
        _required(cells, SCHOOL_COLUMNS, errors, line)
        name = str(cells["full_name"] or "")
        district_name = re.sub(r"\s+район$", "", str(cells["district"] or ""), flags=re.IGNORECASE)
        district = districts.get(_norm(district_name)) if district_name else None
        if district_name and district is None and not create_districts:
            known = ", ".join(sorted(d.name for d in districts.values())) or "районов пока нет"
            errors.append(RowError(line, headers["district"], f"район «{district_name}» не найден в портале (есть: {known})"))
        elif district_name and district is None:
            new_districts.setdefault(_norm(district_name), district_name)
        if name and _norm(name) in seen:
            errors.append(RowError(line, headers["full_name"], f"школа «{name}» уже есть в файле в строке {seen[_norm(name)]}"))
        if name:
            seen.setdefault(_norm(name), line)
        school = existing.get(_norm(name)) if name else None
        # An empty cell keeps what the portal has; a new school gets a form and type read from its name.
        legal_form = _choice(cells["legal_form"], LEGAL_FORMS, "МБОУ, МАОУ, иная", errors, line, headers["legal_form"]) if cells["legal_form"] else None
        kind = _choice(cells["kind"], SCHOOL_KINDS, "школа, СОШ, гимназия, лицей, иное", errors, line, headers["kind"]) if cells["kind"] else None
        if school is None:
            legal_form, kind = legal_form or _guess_legal_form(name), kind or _guess_kind(name)
        is_urban = _choice(cells["area"], AREAS, "городская, сельская", errors, line, headers["area"]) if cells["area"] else None
        values = {
            "number": _integer(cells["number"], errors, line, headers["number"]),
            "students_count": _integer(cells["students_count"], errors, line, headers["students_count"]),
            "teachers_count": _integer(cells["teachers_count"], errors, line, headers["teachers_count"]),
            "legal_form": legal_form,
            "kind": kind,
            "is_urban": is_urban,
            "address": cells["address"],
        }
        twin = by_number.get((district.pk if district else None, kind or (school.kind if school else None), values["number"]))
        if values["number"] is not None and twin is not None and twin is not school:
            errors.append(
                RowError(line, headers["number"], f"в районе уже есть «{twin.full_name}» с тем же типом и номером — проверьте название, иначе появится двойник")
            )
        if errors:
            plan.errors += errors
            continue
        data = {"name": name, "district": district.pk if district else None, "district_name": district_name, **values}
        if school is None:
            plan.rows.append(PlannedRow(line, "new", name, [f"район {district_name}"], data))
            continue
        changes = _changes(school, {k: v for k, v in values.items()})
        if district is not None and school.district_id != district.pk:
            changes.insert(0, f"район: {_show(school.district)} → {district.name}")
        elif district is None:
            changes.insert(0, f"район: {_show(school.district)} → {district_name} (новый)")
        if school.full_name != name:
            changes.append(f"название: {school.full_name} → {name}")
        data["school"] = school.pk
        plan.rows.append(PlannedRow(line, "updated" if changes else "unchanged", name, changes, data))
    plan.new_districts = sorted(new_districts.values())
    return plan


def _choice(value, options: dict, allowed: str, errors: list[RowError], line: int, header: str):
    key = _norm(str(value))
    if key not in options:
        errors.append(RowError(line, header, f"«{value}» — допустимо: {allowed}"))
        return None
    return options[key]


# --- Curators ----------------------------------------------------------------------------------


def plan_curators(path: Path | str, *, municipality: Municipality) -> ImportPlan:
    """Check every row of a curators file and plan accounts and appointments. Queries: schools with
    active curators, users named by login or e-mail, their groups."""
    plan = ImportPlan(kind=CURATORS)
    headers = {c.key: c.header for c in CURATOR_COLUMNS}
    rows = list(read_sheet(path, CURATOR_COLUMNS))
    schools = {_norm(s.full_name): s for s in School.objects.filter(municipality=municipality)}
    active = {c.school_id: c for c in Curator.objects.filter(is_active=True, school__municipality=municipality).select_related("user", "school")}
    logins = {str(cells["login"] or cells["email"] or "").lower() for _line, cells in rows} - {""}
    emails = {str(cells["email"] or "").lower() for _line, cells in rows} - {""}
    User = get_user_model()
    users = list(User.objects.filter(Q(username__in=logins) | Q(email__in=emails) | Q(username__in=[u.upper() for u in logins])).prefetch_related("groups"))
    by_login = {u.username.lower(): u for u in users}
    by_email = {u.email.lower(): u for u in users if u.email}
    curating = {c.user_id: c for c in Curator.objects.filter(is_active=True, user__in=users).select_related("school")}
    seen_school: dict[int, int] = {}
    seen_login: dict[str, int] = {}
    username_validator = UnicodeUsernameValidator()
    for line, cells in rows:
        errors: list[RowError] = []
        _required(cells, CURATOR_COLUMNS, errors, line)
        school = schools.get(_norm(str(cells["school"]))) if cells["school"] else None
        if school is None and cells["school"]:
            errors.append(
                RowError(line, headers["school"], f"школа «{cells['school']}» не найдена в портале — проверьте название или сначала импортируйте школы")
            )
        elif school is not None and school.pk in seen_school:
            errors.append(RowError(line, headers["school"], f"у школы уже есть куратор в строке {seen_school[school.pk]}: куратор один"))
        elif school is not None:
            seen_school[school.pk] = line
        email = str(cells["email"] or "").lower()
        try:
            if email:
                validate_email(email)
        except ValidationError:
            errors.append(RowError(line, headers["email"], f"«{cells['email']}» — некорректный e-mail"))
        login = str(cells["login"] or email).lower()
        try:
            if login:
                username_validator(login)
            if len(login) > 150:
                raise ValidationError("long")
        except ValidationError:
            errors.append(RowError(line, headers["login"], f"«{login}» — логин может содержать буквы, цифры и знаки @ . + - _ (до 150 знаков)"))
        if login and login in seen_login:
            errors.append(RowError(line, headers["login"], f"логин «{login}» уже есть в строке {seen_login[login]}"))
        if login:
            seen_login.setdefault(login, line)
        user = by_login.get(login) or (by_email.get(email) if not cells["login"] else None) if login else None
        if user is not None and (user.is_superuser or user.is_staff or any(g.name in STAFF_GROUPS for g in user.groups.all())):
            errors.append(RowError(line, headers["login"], f"учётная запись «{user.username}» принадлежает сотруднику управления — укажите другой логин"))
        other = curating.get(user.pk) if user else None
        if other is not None and school is not None and other.school_id != school.pk:
            errors.append(RowError(line, headers["login"], f"«{user.username}» уже куратор школы {other.school.quoted_name} — сначала снимите его там"))
        order_date = _date(cells["order_date"], errors, line, headers["order_date"])
        if errors:
            plan.errors += errors
            continue
        first_name = " ".join(str(p) for p in (cells["first_name"], cells["patronymic"]) if p)
        person = f"{cells['last_name']} {first_name}"
        appointment = {
            "position": cells["position"],
            "phone": cells["phone"] and str(cells["phone"]),
            "order_number": cells["order_number"] and str(cells["order_number"]),
            "order_date": order_date,
        }
        account = {"email": email, "first_name": first_name, "last_name": str(cells["last_name"])}
        data = {
            "school": school.pk,
            "login": user.username if user else login,
            "user": user.pk if user else None,
            "account": account,
            "appointment": appointment,
        }
        current = active.get(school.pk)
        changes = []
        if user is None:
            status = "new"
            changes.append(f"новая учётная запись «{login}», одноразовый пароль")
        else:
            changes += _changes(user, account)
        if current is None or user is None or current.user_id != user.pk:
            status = "new"
            replaced = f" вместо {current.user.get_full_name() or current.user.username}" if current else ""
            changes.append(f"куратор школы {school.quoted_name}{replaced}")
        else:
            changes += _changes(current, appointment)
            status = "updated" if changes else "unchanged"
        plan.rows.append(PlannedRow(line, status, f"{person} — {school.full_name}", changes, _jsonable(data)))
    return plan


def _jsonable(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out[key] = _jsonable(value)
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def plan_file(kind: str, path: Path | str, *, municipality: Municipality, create_districts: bool = False) -> ImportPlan:
    if kind == SCHOOLS:
        return plan_schools(path, municipality=municipality, create_districts=create_districts)
    return plan_curators(path, municipality=municipality)


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

"""Plans of an import: each row of a schools or curators file checked and matched to what it will change."""

import datetime as dt
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from ..models import Curator, District, Municipality, School
from ..roles import STAFF_GROUPS
from .sheet import (
    AREAS,
    CURATOR_COLUMNS,
    CURATORS,
    LEGAL_FORMS,
    SCHOOL_COLUMNS,
    SCHOOL_KINDS,
    SCHOOLS,
    ImportPlan,
    PlannedRow,
    RowError,
    _changes,
    _date,
    _integer,
    _norm,
    _required,
    _show,
    read_sheet,
)

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

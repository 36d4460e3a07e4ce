"""Writes of schools, curators and accounts."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .imports import Credential, ImportPlan, one_time_password, plan_curators, plan_schools
from .models import Curator, District, Municipality, School, SecurityEvent, UserProfile


def security_event_record(*, kind: str, request=None, user=None, username: str = "", detail: str = "") -> SecurityEvent:
    """Append one entry to the security log; the address is the client's (behind trusted proxies too)."""
    from roadmap_portal.security import client_ip

    address = getattr(request, "axes_ip_address", None) or (client_ip(request) if request is not None else None)
    if user is None and request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        user = request.user
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        address=address or None,
        detail=detail[:500],
    )


def profile_clear_password_duty(*, user) -> None:
    UserProfile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)


# --- Imports from Excel ------------------------------------------------------------------------

# One-time passwords carry ~70 random bits, so a lighter PBKDF2 work factor keeps an import of hundreds
# of curators within a request; Django re-hashes at full strength at the first login, and the curator
# must replace the password then anyway.
ONE_TIME_PASSWORD_ITERATIONS = 20_000


class ImportRejected(Exception):
    def __init__(self, plan: ImportPlan):
        super().__init__(f"{len(plan.errors)} ошибок в файле")
        self.plan = plan


def _one_time_hash(password: str) -> str:
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=ONE_TIME_PASSWORD_ITERATIONS)


@transaction.atomic
def school_list_import(*, path, municipality: Municipality, create_districts: bool = False) -> ImportPlan:
    """Create and update schools (and, if asked, districts) from a checked file; all or nothing."""
    plan = plan_schools(path, municipality=municipality, create_districts=create_districts)
    if not plan.ok:
        raise ImportRejected(plan)
    districts = {}
    for name in plan.new_districts:
        district = District(municipality=municipality, name=name)
        district.full_clean()
        district.save()
        districts[name] = district
    schools = School.objects.in_bulk([r.data["school"] for r in plan.rows if r.status == "updated"])
    for row in plan.rows:
        if row.status == "unchanged":
            continue
        data = row.data
        district_id = data["district"] or districts[data["district_name"]].pk
        fields = {k: data[k] for k in ("legal_form", "kind", "number", "is_urban", "students_count", "teachers_count", "address") if data[k] is not None}
        school = schools[data["school"]] if row.status == "updated" else School(municipality=municipality, full_name=data["name"])
        school.district_id = district_id
        for name, value in fields.items():
            setattr(school, name, value)
        school.full_clean()
        school.save()
    return plan


@transaction.atomic
def curator_list_import(*, path, municipality: Municipality) -> tuple[ImportPlan, list[Credential]]:
    """Create curators' accounts (one-time passwords, password change required) and appointments from
    a checked file; an appointment replaces the school's previous active curator. Sends no e-mail."""
    plan = plan_curators(path, municipality=municipality)
    if not plan.ok:
        raise ImportRejected(plan)
    User = get_user_model()
    credentials = []
    schools = School.objects.in_bulk([r.data["school"] for r in plan.rows])
    for row in plan.rows:
        if row.status == "unchanged":
            continue
        data, school = row.data, schools[row.data["school"]]
        account = data["account"]
        if data["user"] is None:
            password = one_time_password()
            user = User(username=data["login"], password=_one_time_hash(password), **account)
            user.full_clean()
            user.save()
            UserProfile.objects.update_or_create(user=user, defaults={"must_change_password": True, "phone": data["appointment"]["phone"] or ""})
            credentials.append(Credential(f"{user.last_name} {user.first_name}", school.full_name, user.username, password))
        else:
            user = User.objects.get(pk=data["user"])
            for name, value in account.items():
                setattr(user, name, value)
            user.save(update_fields=list(account))
        appointment = {k: v for k, v in data["appointment"].items() if v is not None}
        if "order_date" in appointment:
            appointment["order_date"] = dt.date.fromisoformat(appointment["order_date"])
        current = Curator.objects.filter(school=school, is_active=True).first()
        if current is not None and current.user_id != user.pk:
            current.is_active = False
            current.save(update_fields=["is_active"])
            current = None
        curator = current or Curator(user=user, school=school)
        for name, value in appointment.items():
            setattr(curator, name, value)
        curator.full_clean()
        curator.save()
    return plan, credentials


def import_apply(*, token: str, pending: dict, path) -> dict:
    """Apply a previewed import file; returns what the result page shows (JSON-safe, for the session).
    For curators, the logins and one-time passwords are sealed in a file next to it, never put in the session."""
    from .imports import CURATORS, credentials_store

    municipality = Municipality.objects.get(pk=pending["municipality"])
    if pending["kind"] == CURATORS:
        plan, credentials = curator_list_import(path=path, municipality=municipality)
        if credentials:
            credentials_store(token, credentials)
    else:
        plan, credentials = school_list_import(path=path, municipality=municipality, create_districts=pending["create_districts"]), []
    path.unlink(missing_ok=True)
    return {
        "kind": pending["kind"],
        "filename": pending["filename"],
        "counts": plan.counts,
        "new_districts": plan.new_districts,
        "logins": len(credentials),
    }


# --- Personal data (152-ФЗ) ------------------------------------------------------------------------

ANONYMISED_PREFIX = "anonymised-"
CURATOR_PERSONAL_FIELDS = (("телефон", "phone"), ("должность", "position"), ("номер приказа о назначении", "order_number"), ("дата приказа", "order_date"))


def personal_data_access_record(*, request, what: str, subjects=()) -> None:
    """One line per person whose data a page or a file showed to the signed-in user."""
    from .models import PersonalDataAccess

    user = request.user
    subjects = [s for s in subjects if s is not None] or [None]
    PersonalDataAccess.objects.bulk_create(
        [PersonalDataAccess(user=user, username=user.get_username(), subject=subject, what=what[:300]) for subject in subjects]
    )


def _log_extract(user) -> list[dict]:
    """The event log about a person, as it stands before destruction: security events and accesses to their data."""
    from .models import PersonalDataAccess

    events = [
        {"когда": f"{e.created_at:%d.%m.%Y %H:%M}", "событие": e.get_kind_display(), "подробности": e.detail}
        for e in SecurityEvent.objects.filter(user=user).order_by("created_at")
    ]
    events += [
        {"когда": f"{a.at:%d.%m.%Y %H:%M}", "событие": "просмотр или выгрузка персональных данных", "подробности": f"{a.username}: {a.what}"}
        for a in PersonalDataAccess.objects.filter(subject=user).order_by("at")
    ]
    return events


def person_anonymise(*, user, reason: str, performed_by=None):
    """Destroy a person's personal data by anonymisation (their answers, reviews and history stay, naming no one).

    Removes: name, e-mail and login of the account (and its password); phone, position and appointment order of
    each curatorship (the order's file too, after commit); the phone of the profile; the same in the history of
    curators; the login kept in the security log. Writes the act with what was destroyed and the log extract.
    """
    from .acts import act_docx
    from .models import PersonalDataAct

    if user.get_username().startswith(ANONYMISED_PREFIX):
        raise ValueError("Данные этого человека уже обезличены.")
    destroyed: list[dict] = []

    def note(where: str, label: str, value) -> None:
        if value not in (None, ""):
            destroyed.append({"где": where, "что": label})

    with transaction.atomic():
        extract = _log_extract(user)
        for label, attr in (("фамилия", "last_name"), ("имя", "first_name"), ("адрес электронной почты", "email"), ("логин", "username")):
            note("учётная запись", label, getattr(user, attr))
        files = []
        for curator in Curator.objects.filter(user=user):
            where = f"куратор школы «{curator.school}»"
            for label, attr in CURATOR_PERSONAL_FIELDS:
                note(where, label, getattr(curator, attr))
            if curator.order_file:
                note(where, "копия приказа о назначении (файл)", curator.order_file.name)
                files.append(curator.order_file.name)
            Curator.objects.filter(pk=curator.pk).update(phone="", position="", order_number="", order_date=None, order_file="")
        history = Curator.history.filter(user_id=user.pk)
        if history.exclude(phone="", position="", order_number="").exists():
            note("история изменений кураторов", "телефоны, должности и приказы в прежних версиях", "да")
        history.update(phone="", position="", order_number="", order_date=None, order_file="")
        profile = UserProfile.objects.filter(user=user).first()
        if profile is not None:
            note("профиль", "телефон", profile.phone)
            UserProfile.objects.filter(pk=profile.pk).update(phone="")
        if SecurityEvent.objects.filter(user=user).exists():
            note("журнал безопасности", "логин и IP-адреса в записях журнала", "да")
        label = f"пользователь № {user.pk}"
        SecurityEvent.objects.filter(user=user).update(username=f"{ANONYMISED_PREFIX}{user.pk}", address=None)
        user.username, user.first_name, user.last_name, user.email, user.is_active = f"{ANONYMISED_PREFIX}{user.pk}", "", "", "", False
        user.set_unusable_password()
        user.save()
        act = PersonalDataAct.objects.create(subject_label=label, reason=reason, destroyed=destroyed, log_extract=extract, performed_by=performed_by)
        act.document.save(f"akt-{act.pk}.docx", ContentFile(act_docx(act)), save=True)
        transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    return act


def people_anonymise_expired(*, now=None) -> list:
    """The periodic duty: people who stopped working with the portal longer ago than the retention period.

    A person is inactive when their account is switched off, or when they are a curator no longer (every
    curatorship inactive) and hold no other role; the period runs from their last sign-in (or the account's
    creation). Staff of the portal (admin site users) are never anonymised automatically.
    """
    from .models import PersonalDataAct

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    User = get_user_model()
    active_curatorship = Curator.objects.filter(user=OuterRef("pk"), is_active=True)
    any_curatorship = Curator.objects.filter(user=OuterRef("pk"))
    candidates = (
        User.objects.filter(is_staff=False, is_superuser=False)
        .exclude(username__startswith=ANONYMISED_PREFIX)
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=cutoff)
        .filter(Q(is_active=False) | (Exists(any_curatorship) & ~Exists(active_curatorship) & Q(groups__isnull=True)))
        .distinct()
    )
    return [person_anonymise(user=user, reason=PersonalDataAct.Reason.RETENTION) for user in candidates]


def personal_data_notice_accept(*, user, version: str):
    """The person read the notice of this version and accepted it: consent for a curator, duties for the staff."""
    from .models import PersonalDataConsent

    # The department's staff process data by their duties; a school's curator gives consent.
    staff = user.is_staff or user.groups.exists()
    basis = PersonalDataConsent.Basis.DUTIES if staff else PersonalDataConsent.Basis.CONSENT
    consent, _ = PersonalDataConsent.objects.get_or_create(user=user, notice_version=version, defaults={"basis": basis})
    return consent

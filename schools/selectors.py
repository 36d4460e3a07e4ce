"""Reads of schools. `schools_visible_to` is the one answer to "which schools may this user see" (see `roles.py` for the reach of each role)."""

from django.db.models import Q, QuerySet

from roadmap_portal.history import HistoryEntry, history_entries

from .models import Curator, District, Municipality, School, SecurityEvent, UserProfile
from .roles import Access, Role


def municipalities_visible_to(access: Access) -> QuerySet[Municipality]:
    """The regional role every municipality; anyone else the one they work in."""
    municipalities = Municipality.objects.order_by("name")
    if access.sees_region:
        return municipalities
    if access.role in (Role.ADMINISTRATOR, Role.METHODOLOGIST):
        return municipalities.filter(pk=access.municipality_id)
    if access.role == Role.DISTRICT_OFFICER:
        return municipalities.filter(districts__pk=access.district_id)
    if access.role == Role.CURATOR:
        return municipalities.filter(schools__pk=access.curator_school_id)
    return municipalities.none()


def schools_visible_to(access: Access) -> QuerySet[School]:
    schools = School.objects.select_related("district", "municipality")
    role = access.role
    if access.sees_region:
        return schools
    if role in (Role.ADMINISTRATOR, Role.METHODOLOGIST):
        return schools.filter(municipality_id=access.municipality_id)
    if role == Role.DISTRICT_OFFICER:
        return schools.filter(district_id=access.district_id)
    if role == Role.CURATOR:
        return schools.filter(pk=access.curator_school_id)
    return schools.none()


def districts_visible_to(access: Access) -> QuerySet[District]:
    districts = District.objects.all()
    if access.sees_region:
        return districts
    if access.role in (Role.ADMINISTRATOR, Role.METHODOLOGIST):
        return districts.filter(municipality_id=access.municipality_id)
    if access.role == Role.DISTRICT_OFFICER:
        return districts.filter(pk=access.district_id)
    if access.role == Role.CURATOR:
        return districts.filter(schools__pk=access.curator_school_id)
    return districts.none()


DISTRICT_SUGGESTIONS = 20


def districts_matching(access: Access, text: str, *, municipality_id: int | None = None) -> QuerySet[District]:
    """The first districts the user may see whose name contains `text`, by name: the suggestions of a district filter."""
    districts = districts_visible_to(access).select_related("municipality").order_by("name", "pk")
    if municipality_id:
        districts = districts.filter(municipality_id=municipality_id)
    text = text.strip()
    if text:
        # SQLite compares case only for Latin letters: also match the name as typed with a capital first letter.
        districts = districts.filter(Q(name__icontains=text) | Q(name__contains=text[:1].upper() + text[1:]))
    return districts[:DISTRICT_SUGGESTIONS]


def active_curators() -> QuerySet[Curator]:
    return Curator.objects.filter(is_active=True).select_related("user", "school")


def security_events(*, kind: str = "", who: str = "", address: str = "", since=None, until=None) -> QuerySet[SecurityEvent]:
    """The security log, newest first, filtered as the administrator asked (every filter optional)."""
    events = SecurityEvent.objects.all()
    if kind:
        events = events.filter(kind=kind)
    if who:
        events = events.filter(username__icontains=who)
    if address:
        events = events.filter(address=address)
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events.order_by("-created_at", "-id")


def school_changes(school: School, *, limit: int = 30) -> list[HistoryEntry]:
    """Who changed the school's record and its curators' records, when, and what was before: newest first.
    Four queries whatever the number of changes (school history, curator history, names of districts and users)."""
    entries = history_entries(School.history.filter(id=school.pk), subject=lambda record: "школа")
    entries += history_entries(Curator.history.filter(school_id=school.pk), subject=lambda record: "куратор")
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]


def people_search(query: str, *, limit: int = 50):
    """Accounts whose login, name or e-mail contains the query (the administrator's search for one person)."""
    from django.contrib.auth import get_user_model

    words = query.split()
    people = get_user_model().objects.all()
    for word in words:
        people = people.filter(Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word))
    return people.order_by("last_name", "first_name", "username")[:limit] if words else people.none()


def person_data(user) -> dict:
    """Everything the portal holds about one person, as it would be handed to them (152-ФЗ, ст. 14)."""
    from .models import PersonalDataAccess

    def when(value) -> str:
        return f"{value:%d.%m.%Y %H:%M}" if value else ""

    profile = UserProfile.objects.filter(user=user).select_related("district").first()
    return {
        "учётная запись": {
            "логин": user.username,
            "фамилия": user.last_name,
            "имя": user.first_name,
            "адрес электронной почты": user.email,
            "действует": user.is_active,
            "создана": when(user.date_joined),
            "последний вход": when(user.last_login),
            "группы": sorted(user.groups.values_list("name", flat=True)),
        },
        "профиль": {"район": profile.district.name if profile and profile.district else "", "телефон": profile.phone if profile else ""},
        "кураторство": [
            {
                "школа": str(c.school),
                "должность": c.position,
                "телефон": c.phone,
                "приказ о назначении": c.order_number,
                "дата приказа": f"{c.order_date:%d.%m.%Y}" if c.order_date else "",
                "копия приказа": c.order_file.name,
                "действует": c.is_active,
                "назначен": when(c.appointed_at),
            }
            for c in Curator.objects.filter(user=user).select_related("school").order_by("appointed_at")
        ],
        "журнал безопасности": [
            {"когда": when(e.created_at), "событие": e.get_kind_display(), "адрес": e.address or "", "подробности": e.detail}
            for e in SecurityEvent.objects.filter(user=user).order_by("created_at")
        ],
        "кто смотрел или выгружал данные": [
            {"когда": when(a.at), "кто": a.username, "что": a.what} for a in PersonalDataAccess.objects.filter(subject=user).order_by("at")
        ],
        "основания обработки": [
            {"основание": c.get_basis_display(), "версия уведомления": c.notice_version, "дата": when(c.accepted_at)}
            for c in user.personal_data_consents.order_by("accepted_at")
        ],
        "версии записей куратора в истории изменений": Curator.history.filter(user_id=user.pk).count(),
    }

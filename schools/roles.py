"""Who the user is for the portal and how far they see. Groups are named in code; the admin assigns them.

Reach: a curator sees their school; a district officer their district; a municipal administrator or
methodologist their municipality (`UserProfile.municipality`); the regional role every municipality.
Which schools, rounds, submissions and export jobs that means is answered by one selector each
(`schools.selectors.schools_visible_to`, `surveys.selectors.rounds_for` / `submissions_visible_to`,
`reports.selectors.export_jobs_visible_to`); views ask `require_role` first, then the selector.
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from django.core.exceptions import PermissionDenied

ADMINISTRATOR_GROUP = "administrator"
METHODOLOGIST_GROUP = "methodologist"
REGIONAL_GROUP = "regional"
DISTRICT_OFFICER_GROUP = "district_officer"
STAFF_GROUPS = (ADMINISTRATOR_GROUP, METHODOLOGIST_GROUP, REGIONAL_GROUP, DISTRICT_OFFICER_GROUP)


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    REGIONAL = "regional"
    METHODOLOGIST = "methodologist"
    DISTRICT_OFFICER = "district_officer"
    CURATOR = "curator"
    NONE = "none"


ROLE_LABELS = {
    Role.ADMINISTRATOR: "администратор",
    Role.REGIONAL: "специалист министерства образования области",
    Role.METHODOLOGIST: "методист",
    Role.DISTRICT_OFFICER: "районный отдел образования",
    Role.CURATOR: "куратор школы",
    Role.NONE: "нет роли",
}

# Who may open which kind of page; `require_role(request, REVIEWERS)`.
STAFF = frozenset({Role.ADMINISTRATOR, Role.REGIONAL, Role.METHODOLOGIST})  # a whole municipality or more
REVIEWERS = STAFF | {Role.DISTRICT_OFFICER}
SIGNED_IN = REVIEWERS | {Role.CURATOR}
ADMINISTRATORS = frozenset({Role.ADMINISTRATOR})
CURATORS = frozenset({Role.CURATOR})


@dataclass
class Access:
    """The user's role and reach, computed once per request (see `access_for`)."""

    user: object

    @cached_property
    def group_names(self) -> set[str]:
        if not self.user.is_authenticated:
            return set()
        return set(self.user.groups.values_list("name", flat=True))

    @cached_property
    def role(self) -> Role:
        user = self.user
        if not user.is_authenticated or not user.is_active:
            return Role.NONE
        if user.is_superuser or ADMINISTRATOR_GROUP in self.group_names:
            return Role.ADMINISTRATOR
        if REGIONAL_GROUP in self.group_names:
            return Role.REGIONAL
        if METHODOLOGIST_GROUP in self.group_names:
            return Role.METHODOLOGIST
        if DISTRICT_OFFICER_GROUP in self.group_names and self.district_id:
            return Role.DISTRICT_OFFICER
        if self.curator_school_id:
            return Role.CURATOR
        return Role.NONE

    @cached_property
    def _profile(self) -> tuple[int | None, int | None]:
        """(district, municipality) of the user's profile. `user.profile` is the row the password-duty middleware
        has already read for this request, so the role costs no query of its own."""
        from .models import UserProfile

        try:
            profile = self.user.profile
        except UserProfile.DoesNotExist:
            return None, None
        return profile.district_id, profile.municipality_id

    @property
    def district_id(self) -> int | None:
        return self._profile[0]

    @property
    def municipality_id(self) -> int | None:
        """The municipality of a municipal administrator or methodologist."""
        return self._profile[1]

    @cached_property
    def sees_region(self) -> bool:
        """Every municipality: the regional role, and a superuser not tied to one municipality."""
        if self.role == Role.REGIONAL:
            return True
        return self.role == Role.ADMINISTRATOR and self.user.is_superuser and self.municipality_id is None

    @cached_property
    def curator_school_id(self) -> int | None:
        from .models import Curator

        return Curator.objects.filter(user_id=self.user.pk, is_active=True).values_list("school_id", flat=True).first()

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def sees_city(self) -> bool:
        """A whole municipality (or all of them): administrators, methodologists, the regional role."""
        return self.role in STAFF

    @property
    def can_review(self) -> bool:
        return self.role in REVIEWERS

    @property
    def aggregate_min_schools(self) -> int:
        """How many schools a city figure (median, share, indicator) must cover before this user may see it. A curator
        knows their own answers and a district officer those of their district: from a figure over a handful of
        schools they could work out another school's answer, so for them figures over fewer than
        AGGREGATE_MIN_SCHOOLS schools are hidden. The city's staff see every school anyway."""
        from django.conf import settings

        return 1 if self.sees_city else settings.AGGREGATE_MIN_SCHOOLS

    @property
    def is_curator(self) -> bool:
        return self.role == Role.CURATOR


def access_for(request) -> Access:
    cached = getattr(request, "_portal_access", None)
    if cached is None or cached.user is not request.user:
        cached = Access(request.user)
        request._portal_access = cached
    return cached


def require_role(request, roles: Collection[Role], message: str = "") -> Access:
    """The one guard of every view: the user's Access when their role is one of `roles`, else 403 with what to do."""
    access = access_for(request)
    if access.role not in roles:
        if not message:
            allowed = ", ".join(ROLE_LABELS[role] for role in Role if role in roles)
            message = f"Страница доступна только этим ролям: {allowed}. Если вам нужен доступ, обратитесь к администратору портала."
        raise PermissionDenied(message)
    return access

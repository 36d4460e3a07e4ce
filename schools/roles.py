"""Who the user is for the portal. Groups are named in code; the admin assigns them."""

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

ADMINISTRATOR_GROUP = "administrator"
METHODOLOGIST_GROUP = "methodologist"
DISTRICT_OFFICER_GROUP = "district_officer"


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    METHODOLOGIST = "methodologist"
    DISTRICT_OFFICER = "district_officer"
    CURATOR = "curator"
    NONE = "none"


ROLE_LABELS = {
    Role.ADMINISTRATOR: "администратор",
    Role.METHODOLOGIST: "методист",
    Role.DISTRICT_OFFICER: "районный отдел образования",
    Role.CURATOR: "куратор школы",
    Role.NONE: "нет роли",
}


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
        if METHODOLOGIST_GROUP in self.group_names:
            return Role.METHODOLOGIST
        if DISTRICT_OFFICER_GROUP in self.group_names and self.district_id:
            return Role.DISTRICT_OFFICER
        if self.curator_school_id:
            return Role.CURATOR
        return Role.NONE

    @cached_property
    def district_id(self) -> int | None:
        from .models import UserProfile

        return UserProfile.objects.filter(user_id=self.user.pk).values_list("district_id", flat=True).first()

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
        return self.role in (Role.ADMINISTRATOR, Role.METHODOLOGIST)

    @property
    def can_review(self) -> bool:
        return self.role in (Role.ADMINISTRATOR, Role.METHODOLOGIST, Role.DISTRICT_OFFICER)

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

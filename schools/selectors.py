"""Reads of schools. `schools_visible_to` is the one answer to "which schools may this user see"."""

from django.db.models import QuerySet

from .models import Curator, District, School
from .roles import Access, Role


def schools_visible_to(access: Access) -> QuerySet[School]:
    schools = School.objects.select_related("district", "municipality")
    role = access.role
    if role in (Role.ADMINISTRATOR, Role.METHODOLOGIST):
        return schools
    if role == Role.DISTRICT_OFFICER:
        return schools.filter(district_id=access.district_id)
    if role == Role.CURATOR:
        return schools.filter(pk=access.curator_school_id)
    return schools.none()


def districts_visible_to(access: Access) -> QuerySet[District]:
    districts = District.objects.all()
    if access.role in (Role.ADMINISTRATOR, Role.METHODOLOGIST):
        return districts
    if access.role == Role.DISTRICT_OFFICER:
        return districts.filter(pk=access.district_id)
    if access.role == Role.CURATOR:
        return districts.filter(schools__pk=access.curator_school_id)
    return districts.none()


def active_curators() -> QuerySet[Curator]:
    return Curator.objects.filter(is_active=True).select_related("user", "school")

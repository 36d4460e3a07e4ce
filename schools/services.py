"""Writes of schools, curators and accounts."""

from .models import UserProfile


def profile_clear_password_duty(*, user) -> None:
    UserProfile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)

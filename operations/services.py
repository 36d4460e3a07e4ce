"""Writes of operations."""

from django.utils import timezone

from .models import Heartbeat

BEAT = "beat"


def heartbeat_record(*, name: str) -> Heartbeat:
    """One row per process name, overwritten: a heartbeat is a fact about now, not history."""
    heartbeat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    return heartbeat

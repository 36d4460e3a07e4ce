"""Reads of operations: the health page's facts beside the checks."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from surveys.selectors import RecomputeSummary, recompute_summary

from .health import CheckResult, run_checks, tasks_run_in_process
from .models import Heartbeat
from .services import BEAT


@dataclass(frozen=True)
class BeatState:
    at: dt.datetime | None
    expected_every: int  # seconds
    in_process: bool  # the embedded default: no scheduler runs at all

    @property
    def late(self) -> bool:
        """No heartbeat for three periods: the scheduler is down (reminders and stale recomputes do not run)."""
        if self.in_process:
            return False
        return self.at is None or timezone.now() - self.at > dt.timedelta(seconds=3 * self.expected_every)


@dataclass(frozen=True)
class HealthPage:
    checks: list[CheckResult]
    beat: BeatState
    recompute: RecomputeSummary

    @property
    def failing(self) -> list[CheckResult]:
        return [check for check in self.checks if check.failed]


def beat_state() -> BeatState:
    at = Heartbeat.objects.filter(name=BEAT).values_list("at", flat=True).first()
    every = int(settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]["schedule"])
    return BeatState(at=at, expected_every=every, in_process=tasks_run_in_process())


def health_page() -> HealthPage:
    return HealthPage(checks=run_checks(), beat=beat_state(), recompute=recompute_summary())

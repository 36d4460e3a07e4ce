"""The login lockout: failures are counted per (account, address) and per address; an account attacked from many
addresses is slowed down only where its owner has never signed in.

django-axes stores one AccessAttempt row per (username, address, browser) with its failure count. Its own rules
(lock by username, reset every row of an address on a success) let one ordinary account reset the count against
another and let anyone lock the staff out for the whole city; this handler keeps axes' storage and replaces them:

- 5 failures (AXES_FAILURE_LIMIT) for one account from one address lock that account at that address only;
- 20 failures (AXES_ADDRESS_FAILURE_LIMIT) from one address, whatever the accounts, lock the address;
- 5 failures for one account summed over every address slow down sign-ins to it from addresses where it has never
  signed in (a delay of 2, 4, 8 … seconds after the last failure, at most the cool-off); addresses it signed in from
  before (its office) are not slowed down;
- a successful sign-in clears only that account's own count at that address.

Every lock ends after AXES_COOLOFF_TIME, and an administrator or a methodologist can lift one earlier on the
«Блокировки входа» page.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Count, Max, Sum
from django.utils import timezone

ACCOUNT = "account"  # this account from this address
ADDRESS = "address"  # every account from this address
SLOWED = "slowed"  # this account from an address it never signed in from


@dataclass(frozen=True)
class Lock:
    kind: str
    until: datetime

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds() + 0.999))


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def slow_down_delay(account_failures: int) -> timedelta:
    """2, 4, 8 … seconds after the limit is reached, never longer than the cool-off."""
    over = account_failures - settings.AXES_FAILURE_LIMIT
    if over < 0:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(over + 1, 20)), settings.AXES_COOLOFF_TIME)


def lock_for(*, username: str | None, address: str | None) -> Lock | None:
    """Why a sign-in as `username` from `address` is refused now, or None."""
    now = timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
    cooloff = settings.AXES_COOLOFF_TIME
    from_address = recent.filter(ip_address=address)
    by_address = from_address.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    if (by_address["n"] or 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
        return Lock(ADDRESS, by_address["last"] + cooloff)
    if not username:
        return None
    pair = from_address.filter(username=username).aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    if (pair["n"] or 0) >= settings.AXES_FAILURE_LIMIT:
        return Lock(ACCOUNT, pair["last"] + cooloff)
    account = recent.filter(username=username).aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    delay = slow_down_delay(account["n"] or 0)
    if delay and account["last"] + delay > now and not AccessLog.objects.filter(username=username, ip_address=address).exists():
        return Lock(SLOWED, account["last"] + delay)
    return None


class PortalLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with the portal's counting (see the module docstring)."""

    def get_failures(self, request, credentials=None) -> int:
        # axes compares this number with AXES_FAILURE_LIMIT: the limit itself means "refuse".
        lock = lock_for(username=get_client_username(request, credentials), address=request.axes_ip_address)
        request.portal_lock = lock
        return settings.AXES_FAILURE_LIMIT if lock else 0

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count


@dataclass(frozen=True)
class LockoutRow:
    """One account or one address with failures inside the cool-off, for the «Блокировки входа» page."""

    key: str  # the username or the address
    failures: int
    spread: int  # addresses (for an account) or accounts (for an address)
    last: datetime
    state: str  # "locked", "slowed" or "" (failures below the limits)

    @property
    def until(self) -> datetime:
        return self.last + settings.AXES_COOLOFF_TIME


def lockouts_current(limit: int = 200) -> tuple[list[LockoutRow], list[LockoutRow]]:
    """Accounts and addresses with failed sign-ins inside the cool-off, the most failures first (2 queries)."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    accounts = []
    for row in (
        recent.exclude(username=None)
        .values("username")
        .annotate(n=Sum("failures_since_start"), spread=Count("ip_address", distinct=True), last=Max("attempt_time"), worst=Max("failures_since_start"))
        .order_by("-n", "username")[:limit]
    ):
        state = "locked" if row["worst"] >= settings.AXES_FAILURE_LIMIT else ("slowed" if row["n"] >= settings.AXES_FAILURE_LIMIT else "")
        accounts.append(LockoutRow(row["username"], row["n"], row["spread"], row["last"], state))
    addresses = []
    for row in (
        recent.values("ip_address")
        .annotate(n=Sum("failures_since_start"), spread=Count("username", distinct=True), last=Max("attempt_time"))
        .order_by("-n", "ip_address")[:limit]
    ):
        state = "locked" if row["n"] >= settings.AXES_ADDRESS_FAILURE_LIMIT else ""
        addresses.append(LockoutRow(row["ip_address"] or "", row["n"], row["spread"], row["last"], state))
    return accounts, addresses


def lockout_lift(*, username: str = "", address: str = "") -> int:
    """Forget the failures of an account (every address) or of an address (every account); how many records went."""
    if not username and not address:
        return 0
    attempts = AccessAttempt.objects.all()
    if username:
        attempts = attempts.filter(username=username)
    if address:
        attempts = attempts.filter(ip_address=address)
    count, _ = attempts.delete()
    return count

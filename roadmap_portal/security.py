"""The client's address for the login lockout and the security log, also behind a reverse proxy."""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=8)
def _networks(addresses: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(item, strict=False) for item in addresses)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXY_ADDRESSES: {error}") from error


def is_trusted_proxy(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXY_ADDRESSES)))


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the entry
    `count` places from the right was written by our own outermost proxy; anything left of it came
    from the client and may be forged. Without this every curator would share the proxy's address,
    and the address limit would lock the whole city out.

    The header is read only when the request itself comes from a trusted proxy (TRUSTED_PROXY_ADDRESSES):
    if gunicorn's port is reachable directly, a client could otherwise write any address it likes there
    and start every guess with a fresh count.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not is_trusted_proxy(remote):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    candidate = forwarded[-count] if len(forwarded) >= count else remote
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote

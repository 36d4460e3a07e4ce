"""The client's address for the login lockout, also behind a reverse proxy."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the entry
    `count` places from the right was written by our own outermost proxy; anything left of it came
    from the client and may be forged. Without this every curator would share the proxy's address,
    and five wrong passwords anywhere would lock the whole city out.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    return forwarded[-count] if len(forwarded) >= count else remote

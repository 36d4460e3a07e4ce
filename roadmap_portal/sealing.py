"""Secrets kept for a short while on the server (the one-time passwords of imported curators) are sealed with a
key derived from SECRET_KEY: Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package), so a copy of
the media folder or of a backup shows nothing readable, and a changed file is refused."""

import base64

from django.utils.crypto import salted_hmac


class SealBroken(Exception):
    """The sealed data was changed, is too old, or was sealed with another SECRET_KEY."""


def _fernet(purpose: str):
    # Imported here: only the import of curators needs it, every other page works without the package.
    from cryptography.fernet import Fernet

    key = salted_hmac(f"roadmap_portal.sealing.{purpose}", "fernet-key", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(data: bytes, *, purpose: str) -> bytes:
    return _fernet(purpose).encrypt(data)


def unseal(token: bytes, *, purpose: str, max_age_seconds: int | None = None) -> bytes:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(purpose).decrypt(token, ttl=max_age_seconds)
    except InvalidToken as error:
        raise SealBroken(purpose) from error

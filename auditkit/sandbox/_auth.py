"""Who may call the sandbox: its credentials, how a request's are checked, and keeping
them out of the request log. Shared by every API version.

- ``Authorization: Bearer <token>`` or ``X-Auth-Email`` + ``X-Auth-Key``. No credential
  (a token in the query string counts as none): 400, code 6003 "Invalid request
  headers" with 6103 in ``error_chain``; ``X-Auth-Key`` without ``X-Auth-Email``:
  6003/6102; an ``Authorization`` header that is not ``Bearer <token>`` (``Basic``, an
  empty token): 6003/6111. When ``Authorization`` is present it decides, whatever
  ``X-Auth-*`` say. A well-formed but wrong token, or a wrong email/key pair: 401, code
  10000 "Authentication error". The email is compared case-insensitively, both values
  with surrounding whitespace stripped; token and key in constant time.
- The request log keeps only which auth headers were present and the ``Authorization``
  scheme (:func:`auth_scheme`), and query parameters that look like secrets or carry
  one of the sandbox's secrets are redacted (:func:`redact`).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from auditkit.sandbox._envelope import Response, envelope_error

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_EMAIL",
    "DEFAULT_TOKEN",
    "Auth",
    "Credentials",
    "Headers",
    "auth_scheme",
    "authenticate",
    "redact",
]

#: Default API token (a fixed, random-looking 40-character string).
DEFAULT_TOKEN = "DXbmIL62maxGEb6QspObFLEoAnpnhhnffGcOFl7b"
#: Default legacy credentials (``X-Auth-Email`` / ``X-Auth-Key``, 37 hex characters).
DEFAULT_EMAIL = "michelle@example.com"
DEFAULT_API_KEY = "d40c2c9595278fac7c48fcac8db9d38694204"

#: The credential a request was accepted with.
Auth = Literal["token", "key"] | None

_SECRET_PARAM_RE = re.compile(r"token|key|secret|pass|auth|bearer", re.IGNORECASE)
_KNOWN_SCHEMES = {"bearer": "Bearer", "basic": "Basic", "digest": "Digest", "token": "Token"}


class Headers(Protocol):
    """Request headers, looked up by name (the server passes a case-insensitive
    ``http.client.HTTPMessage``; the first of repeated headers counts)."""

    def get(self, name: str, /) -> str | None: ...


@dataclass(frozen=True)
class Credentials:
    """The credentials a sandbox accepts."""

    token: str
    email: str
    api_key: str


def _invalid_headers(code: int, message: str) -> Response:
    return envelope_error(400, 6003, "Invalid request headers", chain=[(code, message)])


def authenticate(headers: Headers, accepted: Credentials) -> tuple[Auth, Response | None]:
    """Check a request's credentials: ``(auth, None)`` if accepted, else ``(None, error)``."""
    authz = headers.get("Authorization")
    if authz is not None:
        scheme, _, cred = authz.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() != "bearer" or not cred or " " in cred:
            return None, _invalid_headers(6111, "Invalid format for Authorization header")
        if not hmac.compare_digest(cred.encode(), accepted.token.encode()):
            return None, envelope_error(401, 10000, "Authentication error")
        return "token", None
    email = headers.get("X-Auth-Email")
    key = headers.get("X-Auth-Key")
    if not key:
        return None, _invalid_headers(6103, "Invalid format for X-Auth-Key header")
    if not email:
        return None, _invalid_headers(6102, "Invalid format for X-Auth-Email header")
    ok_key = hmac.compare_digest(key.strip().encode(), accepted.api_key.encode())
    ok_email = email.strip().lower() == accepted.email.lower()
    if not (ok_key and ok_email):
        return None, envelope_error(401, 10000, "Authentication error")
    return "key", None


def auth_scheme(authz: str | None) -> str | None:
    """Name of the ``Authorization`` scheme, never the credential itself."""
    if authz is None:
        return None
    word = authz.strip().split(" ", 1)[0].lower()
    return _KNOWN_SCHEMES.get(word, "other")


def redact(params: Mapping[str, str], secrets: tuple[str, ...]) -> dict[str, str]:
    """``params`` with secret-looking names, and values holding a secret, redacted."""
    out = {}
    for name, value in params.items():
        secret = _SECRET_PARAM_RE.search(name) or any(known and known in value for known in secrets)
        out[name] = "[redacted]" if secret else value
    return out

"""Cloudflare credentials: where they come from, which headers they make, and
a one-way fingerprint that keeps two credentials' cache entries apart.

A :class:`Credentials` object never shows its secret: not in ``repr``, ``str``,
pickles or exceptions. The fingerprint is a slow, salted hash (PBKDF2) of the
secret: it can tell two credentials apart in cache keys without being a
usable stand-in for the secret.

Examples
--------
>>> creds = Credentials.from_token("0123456789abcdef0123456789abcdef01234567")
>>> creds
Credentials(kind='token', secret=<redacted>)
>>> sorted(creds.headers())
['Authorization']
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any, Literal

from ..errors import InvalidParameterError, MissingCredentialsError

__all__ = ["Credentials", "resolve_credentials"]

ENV_TOKEN = "CLOUDFLARE_API_TOKEN"
ENV_EMAIL = "CLOUDFLARE_EMAIL"
ENV_KEY = "CLOUDFLARE_API_KEY"

_FINGERPRINT_SALT = b"auditkit/cache-principal/v1"
_FINGERPRINT_ROUNDS = 50_000
_FINGERPRINTS: dict[bytes, str] = {}
# Printable ASCII without spaces: what can travel in an HTTP header unharmed.
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")

_HOW_TO = (
    "Pass token=... (or set CLOUDFLARE_API_TOKEN; an API token with the 'Account Settings Read' "
    "permission), or email=... and api_key=... (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY). "
    "To try auditkit without a Cloudflare account, start the bundled sandbox: "
    "`sb = auditkit.sandbox.start()` and pass base_url=sb.base_url, token=sb.token "
    "(or run `auditkit sandbox` in a shell)."
)


class Credentials:
    """A Cloudflare API credential: an API token, or an email plus Global API Key.

    Build one with :meth:`from_token`, :meth:`from_global_key` or
    :func:`resolve_credentials`.
    """

    __slots__ = ("__dict__", "_email", "_secret", "kind")

    def __init__(
        self, kind: Literal["token", "global_key"], secret: str, email: str | None
    ) -> None:
        self.kind = kind
        self._secret = secret
        self._email = email

    @classmethod
    def from_token(cls, token: str) -> Credentials:
        """Credentials for ``Authorization: Bearer <token>``.

        Examples
        --------
        >>> Credentials.from_token("abc123").kind
        'token'
        """
        _check_header_value("token", token)
        return cls("token", token, None)

    @classmethod
    def from_global_key(cls, email: str, api_key: str) -> Credentials:
        """Credentials for the legacy ``X-Auth-Email`` + ``X-Auth-Key`` headers.

        Examples
        --------
        >>> Credentials.from_global_key("me@example.com", "f00").kind
        'global_key'
        """
        _check_header_value("email", email)
        _check_header_value("api_key", api_key)
        return cls("global_key", api_key, email)

    def headers(self) -> dict[str, str]:
        """The request headers that carry this credential."""
        if self.kind == "token":
            return {"Authorization": f"Bearer {self._secret}"}
        return {"X-Auth-Email": str(self._email), "X-Auth-Key": self._secret}

    @cached_property
    def fingerprint(self) -> str:
        """A salted, slow one-way hash of the credential, for cache keys (hex, 32 chars).

        Computed once per credential per process (the memo lives in memory only).
        """
        material = f"{self.kind}\0{self._email or ''}\0{self._secret}".encode()
        memo_key = hashlib.sha256(material).digest()
        found = _FINGERPRINTS.get(memo_key)
        if found is None:
            digest = hashlib.pbkdf2_hmac("sha256", material, _FINGERPRINT_SALT, _FINGERPRINT_ROUNDS)
            found = _FINGERPRINTS[memo_key] = digest.hex()[:32]
        return found

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r}, secret=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("Credentials cannot be pickled (they would carry a secret)")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credentials) and self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)


def _check_header_value(name: str, value: object) -> None:
    # Messages name the parameter, never echo the value.
    if not isinstance(value, str):
        raise InvalidParameterError(name, f"must be a string, not {type(value).__name__}")
    if not value:
        raise InvalidParameterError(name, "must not be empty")
    if not _HEADER_SAFE.match(value):
        raise InvalidParameterError(
            name, "contains whitespace or characters that cannot be sent in an HTTP header"
        )


def resolve_credentials(
    token: str | None = None,
    email: str | None = None,
    api_key: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Credentials:
    """Pick the credential to use: arguments first, then the environment.

    Order: ``token``; ``email`` + ``api_key``; ``CLOUDFLARE_API_TOKEN``;
    ``CLOUDFLARE_EMAIL`` + ``CLOUDFLARE_API_KEY``.

    Raises
    ------
    InvalidParameterError
        Conflicting or half-given arguments (``email`` without ``api_key``...).
    MissingCredentialsError
        Nothing found; the message says how to pass a token or try the sandbox.

    Examples
    --------
    >>> resolve_credentials(env={"CLOUDFLARE_API_TOKEN": "abc"}).kind
    'token'
    """
    env = os.environ if env is None else env
    if token is not None:
        if email is not None or api_key is not None:
            raise InvalidParameterError("token", "pass either token or email + api_key, not both")
        return Credentials.from_token(token)
    if email is not None or api_key is not None:
        if email is None:
            raise InvalidParameterError("email", "api_key was given without email")
        if api_key is None:
            raise InvalidParameterError("api_key", "email was given without api_key")
        return Credentials.from_global_key(email, api_key)
    if env.get(ENV_TOKEN):
        return Credentials.from_token(env[ENV_TOKEN])
    if env.get(ENV_EMAIL) and env.get(ENV_KEY):
        return Credentials.from_global_key(env[ENV_EMAIL], env[ENV_KEY])
    if env.get(ENV_EMAIL) or env.get(ENV_KEY):
        missing = ENV_KEY if env.get(ENV_EMAIL) else ENV_EMAIL
        raise MissingCredentialsError(f"{missing} is not set (it goes with the other). {_HOW_TO}")
    raise MissingCredentialsError(f"No Cloudflare credentials found. {_HOW_TO}")

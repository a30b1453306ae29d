"""Where requests go: the API root, and which hosts count as loopback.

A credential is only ever sent over HTTPS, or plain HTTP to a loopback address
(the sandbox). Decided from the text of the URL alone, never through DNS.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from ..errors import (
    InvalidParameterError,
)

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"


ENV_BASE_URL = "CLOUDFLARE_BASE_URL"


def resolve_base_url(base_url: str | None, env: Mapping[str, str] | None = None) -> str:
    """The API root: ``base_url``, else ``$CLOUDFLARE_BASE_URL``, else Cloudflare's.

    Credentials are only ever sent over HTTPS, or plain HTTP to loopback (the sandbox).

    Examples
    --------
    >>> resolve_base_url("http://127.0.0.1:8787/client/v4/")
    'http://127.0.0.1:8787/client/v4'
    """
    import os

    env = os.environ if env is None else env
    value = base_url if base_url is not None else (env.get(ENV_BASE_URL) or DEFAULT_BASE_URL)
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError("base_url", "must be a non-empty URL string")
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameterError("base_url", f"{value!r} is not an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidParameterError("base_url", "must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InvalidParameterError(
            "base_url",
            "plain http is only allowed to a loopback address (127.0.0.0/8, ::1) or "
            "'localhost': credentials would travel in clear",
        )
    return value


def is_loopback_host(hostname: str) -> bool:
    """Whether ``hostname`` is a loopback IP literal or exactly ``localhost``.

    Decided from the text alone, never through DNS: a name such as
    ``127.0.0.1.nip.io`` or ``127.attacker.example`` is not loopback, whatever
    it resolves to.

    Examples
    --------
    >>> is_loopback_host("127.0.0.2"), is_loopback_host("::1"), is_loopback_host("localhost")
    (True, True, True)
    >>> is_loopback_host("127.0.0.1.nip.io"), is_loopback_host("127.attacker.example")
    (False, False)
    """
    import ipaddress

    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False

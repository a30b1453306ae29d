"""Request semantics, with no socket: what the sandbox answers to one request.

:func:`answer` takes a :class:`Request` (method, path, query parameters, headers) and
the :class:`Site` (records, credentials, account id) and returns an :class:`Outcome`
holding the :class:`~auditkit.sandbox._envelope.Response` (status, headers, body
bytes). Here are the steps every API version shares; what an endpoint does with an
authenticated request is its version's (:mod:`auditkit.sandbox._v1`):

- **Routing** happens first: an unknown path, or an account id that is not 32 letters
  or digits, gets 404 with codes 7003 ("Could not route to ...") and 7000. A method
  other than GET on an audit-log path gets 405 (code 7001).
- An optional layer wraps the audit-log endpoints next (``around``: the sandbox's
  faults, which therefore fire before auth and validation; see
  :mod:`auditkit.sandbox._faults`).
- **Auth** (:mod:`auditkit.sandbox._auth`), then **account scope**: a valid credential
  on another (well-formed) account id gets 403, code 9109 "Unauthorized to access
  requested resource". The account scope serves the same records as the user scope
  (the synthetic data is one account; all its entries, user-level ones included, are
  served by both endpoints).
- **Query parameters** are parsed once, for every version (:func:`parse_target`):
  blank values kept, and of repeated parameters the last wins.

Examples
--------
>>> from auditkit.sandbox._auth import Credentials
>>> from auditkit.sandbox._store import Store
>>> site = Site(Store([], ()), Credentials("t0ken", "a@example.com", "k3y"), "0" * 32)
>>> path, params = parse_target("/client/v4/user/audit_logs?per_page=5")
>>> out = answer(Request("GET", path, params, {"Authorization": "Bearer t0ken"}), site)
>>> (out.response.status, out.scope, out.auth)
(200, 'user', 'token')
>>> answer(Request("GET", path, params, {}), site).response.status
400
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from auditkit.sandbox import _v1
from auditkit.sandbox._auth import Auth, Credentials, Headers, authenticate
from auditkit.sandbox._envelope import Response, envelope_error, method_not_allowed, not_found
from auditkit.sandbox._store import Store

__all__ = [
    "Around",
    "Outcome",
    "Request",
    "Route",
    "Scope",
    "Serve",
    "Site",
    "answer",
    "parse_target",
    "route",
]

_ACCOUNT_ID_RE = re.compile(r"[0-9A-Za-z]{32}")

#: Which audit log an endpoint serves.
Scope = Literal["user", "account"]
#: An endpoint of one API version: query parameters and the records -> the response.
Endpoint = Callable[[Mapping[str, str], Store], Response]
#: Serving one audit-log request after routing: auth, scope, the endpoint.
Serve = Callable[[], tuple[Auth, Response]]
#: A layer around :data:`Serve` (the faults): ``(auth, response, fault name or None)``.
Around = Callable[[Serve], tuple[Auth, Response, str | None]]


@dataclass(frozen=True)
class Request:
    """One request: method, URL path (no query string), parameters and headers."""

    method: str
    path: str
    params: Mapping[str, str]
    headers: Headers


@dataclass(frozen=True)
class Site:
    """What the semantics serve: the records, the accepted credentials, the account."""

    store: Store
    credentials: Credentials
    account_id: str


@dataclass(frozen=True)
class Route:
    """Where a path leads: the scope, the account id as sent, the version's endpoint."""

    scope: Scope
    account: str | None
    endpoint: Endpoint


@dataclass(frozen=True)
class Outcome:
    """The response, and what the request log records about how it was reached."""

    response: Response
    scope: Scope | None = None
    auth: Auth = None
    fault: str | None = None


def parse_target(target: str) -> tuple[str, dict[str, str]]:
    """Split a request target into its path and its query parameters (the last wins)."""
    split = urlsplit(target)
    return split.path, dict(parse_qsl(split.query, keep_blank_values=True))


def route(path: str, account_id: str) -> Route | None:
    """The audit-log endpoint ``path`` names, or ``None`` (404)."""
    if path == _v1.USER_PATH:
        return Route("user", None, _v1.audit_logs)
    if match := _v1.ACCOUNT_PATH_RE.fullmatch(path):
        account = match.group(1)
        if account == account_id or _ACCOUNT_ID_RE.fullmatch(account):
            return Route("account", account, _v1.audit_logs)
    return None


def _serve(found: Route, request: Request, site: Site) -> tuple[Auth, Response]:
    auth, err = authenticate(request.headers, site.credentials)
    if err is not None:
        return None, err
    if found.scope == "account" and found.account != site.account_id:
        return auth, envelope_error(403, 9109, "Unauthorized to access requested resource")
    return auth, found.endpoint(request.params, site.store)


def answer(request: Request, site: Site, around: Around | None = None) -> Outcome:
    """Answer ``request``: route, method, then (inside ``around``) auth, scope, endpoint."""
    found = route(request.path, site.account_id)
    if found is None:
        return Outcome(not_found(request.path))
    if request.method != "GET":
        return Outcome(method_not_allowed(), found.scope)

    def serve() -> tuple[Auth, Response]:
        return _serve(found, request, site)

    if around is None:
        auth, response = serve()
        return Outcome(response, found.scope, auth)
    auth, response, fault = around(serve)
    return Outcome(response, found.scope, auth, fault)

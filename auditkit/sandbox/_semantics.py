"""Request semantics, with no socket: what the sandbox answers to one request.

:func:`answer` takes a :class:`Request` (method, path, query parameters, headers) and
the :class:`Site` (accounts and their records, credentials, organization) and returns
an :class:`Outcome` holding the :class:`~auditkit.sandbox._envelope.Response` (status,
headers, body bytes). Here are the steps every endpoint shares; what an endpoint does
with an authenticated request is its API's (:mod:`auditkit.sandbox._v1`,
:mod:`auditkit.sandbox._v2`, :mod:`auditkit.sandbox._accountlist`):

- **Routing** happens first: ``/user/audit_logs`` and ``/accounts/{id}/audit_logs``
  (v1), ``/accounts/{id}/logs/audit``, ``/accounts/{id}/logs/audit/product_categories``
  and ``/organizations/{id}/logs/audit`` (v2), ``/accounts`` (the account list). An
  unknown path, or an account or organization id that is not 32 letters or digits, gets
  404 with codes 7003 ("Could not route to ...") and 7000. A method other than GET on a
  routed path gets 405 (code 7001).
- An optional layer wraps the audit-log endpoints (v1 and v2, not ``/accounts``) next
  (``around``: the sandbox's faults, which therefore fire before auth and validation;
  see :mod:`auditkit.sandbox._faults`).
- **Auth** (:mod:`auditkit.sandbox._auth`, the same for every endpoint), then **scope**:
  a valid credential on a well-formed account id that is not one of the sandbox's
  accounts, or an organization id that is not the sandbox's, gets 403, code 9109
  "Unauthorized to access requested resource". Every account of the sandbox is readable
  by its credentials. The v1 user scope serves the same records as the first account's
  scope (all its entries, user-level ones included); another account's v1 scope serves
  that account's records. The organization serves every account's v2 records.
- **Query parameters** are parsed once, for every API (:func:`parse_target`): blank
  values kept, and of repeated parameters the last wins (what v1 and ``/accounts``
  read); :func:`parse_query_values` keeps every value of each, in order (what v2's array
  filters read).

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
>>> parse_query_values("/x?zone_name=a.com&zone_name=b.com")
{'zone_name': ['a.com', 'b.com']}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from auditkit.sandbox import _accountlist, _v1, _v2
from auditkit.sandbox._auth import Auth, Credentials, Headers, authenticate
from auditkit.sandbox._envelope import Response, envelope_error, method_not_allowed, not_found
from auditkit.sandbox._store import Store
from auditkit.sandbox._v2store import V2Store

__all__ = [
    "AccountData",
    "Api",
    "Around",
    "Endpoint",
    "Outcome",
    "Request",
    "Route",
    "Scope",
    "Serve",
    "Site",
    "answer",
    "parse_query_values",
    "parse_target",
    "route",
]

_ACCOUNT_ID_RE = re.compile(r"[0-9A-Za-z]{32}")

#: Which audit log an endpoint serves (``None``: not an audit-log endpoint).
Scope = Literal["user", "account", "organization"]
#: Which API an endpoint belongs to.
Api = Literal["v1", "v2", "accounts"]
#: Serving one audit-log request after routing: auth, scope, the endpoint.
Serve = Callable[[], tuple[Auth, Response]]
#: A layer around :data:`Serve` (the faults): ``(auth, response, fault name or None)``.
Around = Callable[[Serve], tuple[Auth, Response, str | None]]


@dataclass(frozen=True)
class Request:
    """One request: method, URL path (no query string), parameters and headers.

    ``params`` holds the last value of each parameter, ``multi`` all of them in order
    (when left empty, ``params`` stands for it).
    """

    method: str
    path: str
    params: Mapping[str, str]
    headers: Headers
    multi: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def values(self) -> Mapping[str, Sequence[str]]:
        """Every value of each parameter, in order."""
        return self.multi or {name: [value] for name, value in self.params.items()}


@dataclass(frozen=True)
class AccountData:
    """One account a site serves: its id, v1 records, v2 records and account object."""

    id: str
    store: Store
    v2: V2Store
    info: Mapping[str, Any]


@dataclass(frozen=True)
class Site:
    """What the semantics serve: the accounts, the accepted credentials, the organization.

    ``store`` and ``account_id`` are the first account's (v1's user scope); ``accounts``
    lists every account, first one included (empty: the first account alone, with no
    v2 records). ``organization`` holds every account's v2 records; ``v2`` shapes v2
    pages (:class:`~auditkit.sandbox._v2.V2Options`).
    """

    store: Store
    credentials: Credentials
    account_id: str
    accounts: tuple[AccountData, ...] = ()
    organization_id: str | None = None
    organization: V2Store | None = None
    v2: _v2.V2Options = field(default_factory=_v2.V2Options)

    def account(self, account_id: str | None) -> AccountData | None:
        """The account with id ``account_id``, or ``None``."""
        for acct in self.accounts:
            if acct.id == account_id:
                return acct
        if not self.accounts and account_id == self.account_id:
            info = {"id": self.account_id, "name": "", "type": "standard"}
            return AccountData(self.account_id, self.store, V2Store(), info)
        return None

    def account_list(self) -> list[Mapping[str, Any]]:
        """The account objects ``GET /accounts`` lists, in order."""
        if not self.accounts:
            acct = self.account(self.account_id)
            return [acct.info] if acct is not None else []
        return [acct.info for acct in self.accounts]


#: An endpoint, once the request is authenticated and in scope: ``(request, site, id)``
#: (the account or organization id of the path, as sent) -> the response.
Endpoint = Callable[[Request, Site, str | None], Response]


@dataclass(frozen=True)
class Route:
    """Where a path leads: the scope, the id as sent, the API, the endpoint."""

    scope: Scope | None
    account: str | None
    api: Api
    endpoint: Endpoint


@dataclass(frozen=True)
class Outcome:
    """The response, and what the request log records about how it was reached."""

    response: Response
    scope: Scope | None = None
    auth: Auth = None
    fault: str | None = None
    api: Api | None = None


def parse_target(target: str) -> tuple[str, dict[str, str]]:
    """Split a request target into its path and its query parameters (the last wins)."""
    split = urlsplit(target)
    return split.path, dict(parse_qsl(split.query, keep_blank_values=True))


def parse_query_values(target: str) -> dict[str, list[str]]:
    """Every value of each query parameter of a request target, in order."""
    out: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlsplit(target).query, keep_blank_values=True):
        out.setdefault(name, []).append(value)
    return out


def _v1_logs(request: Request, site: Site, account: str | None) -> Response:
    acct = site.account(account) if account is not None else None
    return _v1.audit_logs(request.params, acct.store if acct is not None else site.store)


def _v2_account_logs(request: Request, site: Site, account: str | None) -> Response:
    acct = site.account(account)
    store = acct.v2 if acct is not None else V2Store()
    return _v2.audit_logs(request.values(), store, f"account:{account}", site.v2)


def _v2_organization_logs(request: Request, site: Site, org: str | None) -> Response:
    store = site.organization if site.organization is not None else V2Store()
    return _v2.audit_logs(request.values(), store, f"organization:{org}", site.v2)


def _v2_categories(request: Request, site: Site, account: str | None) -> Response:
    return _v2.product_categories()


def _accounts(request: Request, site: Site, account: str | None) -> Response:
    return _accountlist.list_accounts(request.params, site.account_list())


def _well_formed(ident: str, account_id: str) -> bool:
    return ident == account_id or _ACCOUNT_ID_RE.fullmatch(ident) is not None


def route(path: str, account_id: str) -> Route | None:
    """The endpoint ``path`` names, or ``None`` (404)."""
    if path == _v1.USER_PATH:
        return Route("user", None, "v1", _v1_logs)
    if path == _accountlist.ACCOUNTS_PATH:
        return Route(None, None, "accounts", _accounts)
    for regex, scope, api, endpoint in _ROUTES:
        match = regex.fullmatch(path)
        if match and _well_formed(match.group(1), account_id):
            return Route(scope, match.group(1), api, endpoint)
    return None


_ROUTES: tuple[tuple[re.Pattern[str], Scope, Api, Endpoint], ...] = (
    (_v1.ACCOUNT_PATH_RE, "account", "v1", _v1_logs),
    (_v2.ACCOUNT_PATH_RE, "account", "v2", _v2_account_logs),
    (_v2.CATEGORIES_PATH_RE, "account", "v2", _v2_categories),
    (_v2.ORGANIZATION_PATH_RE, "organization", "v2", _v2_organization_logs),
)


def _serve(found: Route, request: Request, site: Site) -> tuple[Auth, Response]:
    auth, err = authenticate(request.headers, site.credentials)
    if err is not None:
        return None, err
    denied = (found.scope == "account" and site.account(found.account) is None) or (
        found.scope == "organization" and found.account != site.organization_id
    )
    if denied:
        return auth, envelope_error(403, 9109, "Unauthorized to access requested resource")
    return auth, found.endpoint(request, site, found.account)


def answer(request: Request, site: Site, around: Around | None = None) -> Outcome:
    """Answer ``request``: route, method, then (inside ``around``) auth, scope, endpoint."""
    found = route(request.path, site.account_id)
    if found is None:
        return Outcome(not_found(request.path))
    if request.method != "GET":
        return Outcome(method_not_allowed(), found.scope, api=found.api)

    def serve() -> tuple[Auth, Response]:
        return _serve(found, request, site)

    if around is None or found.scope is None:
        auth, response = serve()
        return Outcome(response, found.scope, auth, api=found.api)
    auth, response, fault = around(serve)
    return Outcome(response, found.scope, auth, fault, found.api)

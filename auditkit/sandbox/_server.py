"""The sandbox's socket server: Cloudflare's audit-log endpoints on loopback.

A :class:`Sandbox` (create it with :func:`start`) is a real HTTP/1.1 server (stdlib
``ThreadingHTTPServer``, one daemon thread per connection) that serves, under
``base = http://<host>:<port>/client/v4``, Audit Logs v1 (``GET {base}/user/audit_logs``
and ``GET {base}/accounts/{account_id}/audit_logs``), Audit Logs v2 (``GET
{base}/accounts/{account_id}/logs/audit``, ``.../logs/audit/product_categories`` and
``GET {base}/organizations/{organization_id}/logs/audit``) and ``GET {base}/accounts``,
for one or more accounts (``accounts=N``). The handler only reads requests and writes
responses: what to answer is :func:`auditkit.sandbox._semantics.answer`'s, with the
sandbox's :class:`~auditkit.sandbox._faults.SandboxFaults` around it. Every response
carries a random ``CF-RAY`` header; HEAD gets the headers only.

``sb.requests`` logs every request (:class:`RequestLog`: method, path, params, which
auth headers were present, status, fault, API); secret header values are never stored, and
query parameters that look like secrets or carry one of the sandbox's secrets are
redacted.

Examples
--------
>>> import requests
>>> from auditkit import sandbox
>>> with sandbox.start(anchor="2026-10-01") as sb:
...     r = requests.get(f"{sb.base_url}/user/audit_logs",
...                      headers={"Authorization": f"Bearer {sb.token}"},
...                      params={"per_page": 5})
...     (r.status_code, len(r.json()["result"]))
(200, 5)
"""

from __future__ import annotations

import contextlib
import copy
import logging
import socket
import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from auditkit.sandbox._auth import DEFAULT_API_KEY, DEFAULT_EMAIL, DEFAULT_TOKEN, Credentials
from auditkit.sandbox._envelope import API_PREFIX
from auditkit.sandbox._faults import LiveWriter, SandboxFaults
from auditkit.sandbox._handler import RequestLog, Server
from auditkit.sandbox._people import Identity, identity
from auditkit.sandbox._semantics import Site
from auditkit.sandbox._times import parse_anchor
from auditkit.sandbox._v2 import CursorEnd, CursorStyle, V2Options
from auditkit.sandbox._world import World

__all__ = ["RequestLog", "Sandbox", "start"]

log = logging.getLogger("auditkit.sandbox")


# ---------------------------------------------------------------------------
# the sandbox
# ---------------------------------------------------------------------------


class Sandbox:
    """A running Cloudflare audit-log API on loopback. Create it with :func:`start`.

    Attributes
    ----------
    base_url : str
        ``http://<host>:<port>/client/v4``, the SDKs' ``base_url``.
    host, port : str, int
        Where it listens (``port`` is the real one when started with ``port=0``).
    token : str
        API token accepted as ``Authorization: Bearer <token>``.
    email, api_key : str
        Legacy credentials accepted as ``X-Auth-Email`` + ``X-Auth-Key``.
    account_id : str
        The first account (v1's user scope serves its records).
    account_ids : list of str
        Every account served (``account_id`` first), for ``/accounts/{id}/audit_logs``
        and ``/accounts/{id}/logs/audit``.
    organization_id : str
        The organization of every account (``/organizations/{id}/logs/audit``).
    v2_cursor : str
        Where v2 pages put their cursor: ``"after"`` (``result_info.cursors.after``),
        ``"cursor"`` (``result_info.cursor``) or ``"both"``; settable.
    v2_cursor_end : str
        What the last v2 page says of the cursor: ``"omit"`` (nothing) or ``"empty"``
        (``""``); settable.
    user_id : str
        Id of the token's user (``michelle`` in the synthetic data).
    anchor : datetime
        End of the synthetic history (UTC, whole seconds).
    seed : int
        Seed of the synthetic data.
    identity : Identity
        Ids of the synthetic account, users and zones.
    faults : SandboxFaults
        Fault knobs.

    Examples
    --------
    >>> from auditkit import sandbox
    >>> with sandbox.start(records=[]) as sb:
    ...     sb.base_url.endswith("/client/v4")
    True
    >>> with sandbox.start(anchor="2026-10-01", accounts=2) as sb:
    ...     (len(sb.account_ids), sb.account_ids[0] == sb.account_id)
    (2, True)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        records: Iterable[Mapping[str, Any]] | None = None,
        seed: int = 0,
        anchor: datetime | date | str | None = None,
        token: str | None = None,
        email: str | None = None,
        api_key: str | None = None,
        account_id: str | None = None,
        latency: float = 0.0,
        accounts: int = 1,
        v2_records: Iterable[Mapping[str, Any]] | None = None,
        v2_cursor: CursorStyle = "after",
        v2_cursor_end: CursorEnd = "omit",
    ) -> None:
        self.seed = seed
        self.anchor = parse_anchor(anchor)
        self.identity: Identity = identity(seed, account_id)
        self.account_id = self.identity.account_id
        self.user_id = self.identity.people["michelle"].id
        self.token = token or DEFAULT_TOKEN
        self.email = email or DEFAULT_EMAIL
        self.api_key = api_key or DEFAULT_API_KEY
        self.faults = SandboxFaults(latency)
        self.v2_cursor = v2_cursor
        self.v2_cursor_end = v2_cursor_end
        self._site_options()  # validates both
        self._world = World(
            seed,
            self.anchor,
            accounts,
            account_id,
            None if records is None else [_as_record(record) for record in records],
            None if v2_records is None else [_as_record(record) for record in v2_records],
        )
        self.account_ids: list[str] = [acct.id for acct in self._world.accounts]
        self.organization_id: str = self._world.organization_id
        self._store = self._world.first.store
        newest = self._store.newest_ns()
        self._live = LiveWriter(
            self._store,
            self.identity,
            seed,
            newest if newest is not None else int(self.anchor.timestamp()) * 1_000_000_000,
            mirror=self._world.mirror,
        )
        self._requests: list[RequestLog] = []
        self._requests_lock = threading.Lock()
        self._server = Server((host, port), self)
        self.host = host
        self.port: int = self._server.server_address[1]
        url_host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        if ":" in url_host:
            url_host = f"[{url_host}]"
        self.base_url = f"http://{url_host}:{self.port}{API_PREFIX}"
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    # -- lifecycle ----------------------------------------------------------------
    def _start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"auditkit-sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive() and not self._stopped.is_set()

    def stop(self) -> None:
        """Stop serving, close open connections and join the server thread (idempotent).

        Examples
        --------
        >>> from auditkit import sandbox
        >>> sb = sandbox.start(records=[])
        >>> sb.stop(); sb.stop()
        >>> sb.running
        False
        """
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()
        with self._server.sockets_lock:
            socks = list(self._server.open_sockets)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Block until :meth:`stop` is called (from another thread) or Ctrl-C, then stop.

        Parameters
        ----------
        poll_interval
            How often to wake up to notice Ctrl-C, in seconds.

        Examples
        --------
        >>> from auditkit import sandbox
        >>> sb = sandbox.start(port=8787)           # doctest: +SKIP
        >>> print(sb.base_url, sb.token)            # doctest: +SKIP
        >>> sb.serve_forever()                      # doctest: +SKIP
        """
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(poll_interval)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Sandbox {self.base_url} {state}, {len(self.records)} records>"

    # -- data -----------------------------------------------------------------------
    @property
    def records(self) -> list[dict[str, Any]]:
        """The first account's v1 records, newest first (by ``when``, then ``id``); a new list."""
        return self._store.records()

    @property
    def v2_records(self) -> list[dict[str, Any]]:
        """The first account's v2 records, newest first (by ``action.time``, then ``id``)."""
        return self._world.first.v2.records()

    @property
    def accounts(self) -> list[dict[str, Any]]:
        """The account objects ``GET /accounts`` lists, in order (copies).

        Examples
        --------
        >>> from auditkit import sandbox
        >>> with sandbox.start(anchor="2026-10-01", accounts=2) as sb:
        ...     [a["name"] for a in sb.accounts]
        ['Example Corp', 'Northwind Traders']
        """
        return [copy.deepcopy(dict(acct.info)) for acct in self._world.accounts]

    def records_of(self, account_id: str) -> list[dict[str, Any]]:
        """The v1 records of account ``account_id``, newest first; ``KeyError`` if not served."""
        return self._world.account(account_id).store.records()

    def v2_records_of(self, scope_id: str) -> list[dict[str, Any]]:
        """The v2 records of an account, or of the organization (``organization_id``).

        Newest first (by ``action.time``, then ``id``); ``KeyError`` for an id not served.

        Examples
        --------
        >>> from auditkit import sandbox
        >>> with sandbox.start(anchor="2026-10-01", accounts=2) as sb:
        ...     org = sb.v2_records_of(sb.organization_id)
        ...     len(org) == sum(len(sb.v2_records_of(a)) for a in sb.account_ids)
        True
        """
        if scope_id == self.organization_id:
            return self._world.organization.records()
        return self._world.account(scope_id).v2.records()

    def add_records(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Insert v1 records into the first account; they are served from the next request on.

        While the first account's v2 log is derived from its v1 log (no ``v2_records=``
        given), they are added to it too, read as v2.

        Parameters
        ----------
        records
            Record dicts (stored as given, served exactly as stored).

        Examples
        --------
        >>> from auditkit import sandbox
        >>> with sandbox.start(records=[]) as sb:
        ...     sb.add_records([{"id": "x", "when": "2026-10-01T00:00:00Z"}])
        ...     (len(sb.records), len(sb.v2_records))
        (1, 1)
        """
        batch = [_as_record(record) for record in records]
        self._store.add(batch)
        self._world.mirror(batch)

    def add_v2_records(
        self, records: Iterable[Mapping[str, Any]], account_id: str | None = None
    ) -> None:
        """Insert v2 records into an account (default the first) and the organization.

        Parameters
        ----------
        records
            v2 record dicts (stored as given, served exactly as stored; the
            organization serves copies with ``organization{id}`` added).
        account_id
            One of :attr:`account_ids`; default :attr:`account_id`.

        Examples
        --------
        >>> from auditkit import sandbox
        >>> with sandbox.start(records=[]) as sb:
        ...     sb.add_v2_records([{"id": "x", "action": {"time": "2026-10-01T00:00:00Z"}}])
        ...     [r["id"] for r in sb.v2_records]
        ['x']
        """
        self._world.add_v2([_as_record(record) for record in records], account_id)

    def _site_options(self) -> V2Options:
        if self.v2_cursor not in ("after", "cursor", "both"):
            raise ValueError(
                f"v2_cursor must be 'after', 'cursor' or 'both', not {self.v2_cursor!r}"
            )
        if self.v2_cursor_end not in ("omit", "empty"):
            raise ValueError(f"v2_cursor_end must be 'omit' or 'empty', not {self.v2_cursor_end!r}")
        return V2Options(self.v2_cursor, self.v2_cursor_end)

    def _site(self) -> Site:
        """What the request semantics serve, as configured now."""
        return Site(
            self._store,
            Credentials(self.token, self.email, self.api_key),
            self.account_id,
            self._world.accounts,
            self.organization_id,
            self._world.organization,
            self._site_options(),
        )

    # -- request log ------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestLog]:
        """Every request served so far, oldest first (a new list)."""
        with self._requests_lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        """Forget the requests logged so far."""
        with self._requests_lock:
            self._requests.clear()

    def _log(self, entry: RequestLog) -> None:
        with self._requests_lock:
            self._requests.append(entry)

    def url(self, path: str) -> str:
        """Return ``base_url`` + ``path`` (``path`` starting with ``/``).

        Examples
        --------
        >>> from auditkit import sandbox
        >>> with sandbox.start(records=[]) as sb:
        ...     sb.url("/user/audit_logs").endswith("/client/v4/user/audit_logs")
        True
        """
        return self.base_url + path


def _as_record(record: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(record, dict):
        return record
    if isinstance(record, Mapping):
        return dict(record)
    raise TypeError(f"records must be mappings, got {type(record).__name__}")


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    records: Iterable[Mapping[str, Any]] | None = None,
    seed: int = 0,
    anchor: datetime | date | str | None = None,
    token: str | None = None,
    email: str | None = None,
    api_key: str | None = None,
    account_id: str | None = None,
    latency: float = 0.0,
    accounts: int = 1,
    v2_records: Iterable[Mapping[str, Any]] | None = None,
    v2_cursor: CursorStyle = "after",
    v2_cursor_end: CursorEnd = "omit",
) -> Sandbox:
    """Start a sandbox on a background thread and return it.

    Parameters
    ----------
    host, port
        Where to listen; ``port=0`` picks a free port (see ``sb.port``).
    records
        Serve these records instead of the synthetic account (e.g. the real fixture).
    seed
        Seed of the synthetic account (and of records written by ``write_during_load``).
    anchor
        End of the synthetic history: tz-aware datetime, date or RFC 3339 string;
        default today's UTC midnight.
    token
        API token to accept; default :data:`DEFAULT_TOKEN`.
    email, api_key
        Legacy credentials to accept; default :data:`DEFAULT_EMAIL` /
        :data:`DEFAULT_API_KEY`.
    account_id
        The first account's id; default the seed's (``sb.account_id``).
    latency
        Initial ``faults.latency`` in seconds.
    accounts
        How many accounts to serve (1..100): the first one is the synthetic account (or
        ``records``), exactly as with one; accounts 2..N have ids, names and (smaller)
        histories of their own (``sb.account_ids``, ``sb.accounts``).
    v2_records
        Serve these Audit Logs v2 records for the first account, instead of its v1
        records read as v2 (:func:`generate_v2_records` for the synthetic account).
    v2_cursor
        Where v2 pages put the next cursor: ``"after"`` (``result_info.cursors.after``,
        what the newest SDKs read), ``"cursor"`` (``result_info.cursor``) or ``"both"``.
    v2_cursor_end
        The last v2 page's cursor: ``"omit"`` (no cursor key) or ``"empty"`` (``""``).

    Returns
    -------
    Sandbox
        Running; stop it with ``sb.stop()`` or use it as a context manager; block on it
        with ``sb.serve_forever()``.

    Examples
    --------
    >>> from auditkit import sandbox
    >>> with sandbox.start(anchor="2026-10-01") as sb:
    ...     len(sb.records) > 3000
    True
    """
    return Sandbox(
        host,
        port,
        records=records,
        seed=seed,
        anchor=anchor,
        token=token,
        email=email,
        api_key=api_key,
        account_id=account_id,
        latency=latency,
        accounts=accounts,
        v2_records=v2_records,
        v2_cursor=v2_cursor,
        v2_cursor_end=v2_cursor_end,
    )._start()

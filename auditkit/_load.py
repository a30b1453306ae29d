"""The one call, :func:`load_audit_logs`, and :func:`export_audit_logs`: orchestration only.

Data flows one way: validated filters (:mod:`._query`) -> the source's query ->
time windows (:mod:`._windows`) -> pages through the transport
(:mod:`auditkit.http`, with the store's session, :mod:`auditkit.store`) -> the
source's typed rows -> clip, dedupe, sort (:mod:`._paging`) -> one typed frame
(:mod:`auditkit.frame`).
"""

from __future__ import annotations

import inspect
import os
import sqlite3
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ._paging import _fetch_windows, _finish
from ._progress import Progress, check_progress
from ._query import MAX_PER_PAGE, TimeLike, filter_values
from ._suggest import check_keywords
from ._windows import SETTLE, Window, month_start, plan_windows, retention_floor
from .errors import AuthenticationError, CacheError, InvalidParameterError
from .frame._chunk import Chunk, frame_of_taken
from .frame._memory import RELEASE_BYTES, load_pool, release_unused
from .frame._schema import Schema, with_account
from .http import (
    ApiClient,
    ClientStats,
    Credentials,
    RetryPolicy,
    get_rate_budget,
    resolve_base_url,
    resolve_credentials,
)
from .sources import Query, Source, get_source
from .sources._accounts import decode_accounts, list_accounts
from .store import CacheSpec, WindowStore, open_session, quarantine, resolve_cache_path, window_key

__all__ = ["load_audit_logs"]

#: A filter's value: one, or (Audit Logs v2) a list of them.
Many = str | Sequence[str] | None

ENV_OFFLINE = "AUDITKIT_OFFLINE"


def _load_parameters() -> frozenset[str]:
    """``load_audit_logs``'s keywords an archive load passes on (all but its own)."""
    names = inspect.signature(load_audit_logs).parameters
    return frozenset(n for n in names if n not in ("archive", "storage_options", "unknown"))


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").floor("s").as_unit("us")


def _check_workers(workers: Any) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 16:
        raise InvalidParameterError("workers", f"must be an integer from 1 to 16, got {workers!r}")
    return workers


def load_audit_logs(
    *,
    since: TimeLike | None = None,
    before: TimeLike | None = None,
    actor_email: Many = None,
    actor_ip: Many = None,
    action_type: Many = None,
    zone_name: Many = None,
    id: Many = None,
    direction: str = "desc",
    hide_user_logs: bool = False,
    account_id: str | Sequence[str] | None = None,
    organization_id: str | None = None,
    account_name: Many = None,
    action_result: Many = None,
    actor_context: Many = None,
    actor_id: Many = None,
    actor_ip_address: Many = None,
    actor_token_id: Many = None,
    actor_token_name: Many = None,
    actor_type: Many = None,
    raw_cf_ray_id: Many = None,
    raw_method: Many = None,
    raw_status_code: int | Sequence[int] | None = None,
    raw_uri: Many = None,
    resource_id: Many = None,
    resource_product: Many = None,
    resource_scope: Many = None,
    resource_type: Many = None,
    zone_id: Many = None,
    exclude: Mapping[str, Any] | None = None,
    api: str = "v1",
    skip_unreadable: bool = False,
    token: str | None = None,
    email: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    cache: CacheSpec = True,
    per_page: int = MAX_PER_PAGE,
    progress: bool | None = None,
    offline: bool | None = None,
    retry: RetryPolicy | None = None,
    workers: int = 8,
    archive: str | os.PathLike[str] | None = None,
    storage_options: Mapping[str, Any] | None = None,
    **unknown: Any,
) -> pd.DataFrame:
    """Load every matching Cloudflare audit-log entry as one typed DataFrame.

    With ``api="v1"`` (the default), pages through ``GET /user/audit_logs`` (or
    ``/accounts/{account_id}/audit_logs``); with ``api="v2"``, walks the cursors
    of Audit Logs v2, ``GET /accounts/{account_id}/logs/audit`` or
    ``/organizations/{organization_id}/logs/audit``. Either way it goes until the
    range is exhausted, caches each page on disk, and returns the entries
    deduplicated by ``id`` and ordered by ``when`` as ``direction`` says.
    Either every entry is returned or an exception is raised: never a silently
    partial frame. The v2 frame has the v1 frame's shared columns (same names
    and dtypes) and v2's own (:data:`auditkit.frame.V2`).

    Parameters
    ----------
    since, before
        Time bounds, ``since <= when < before``: ``datetime``, ``date``,
        ``pandas.Timestamp`` or ISO-8601 text; naive values are UTC. ``before``
        defaults to the moment the load starts; it is fixed for the whole load,
        so entries written meanwhile neither duplicate nor displace others.
    actor_email, actor_ip, action_type, zone_name, id
        Cloudflare's filters (v1: ``actor.email``, ``actor.ip`` — an IP or a CIDR
        range —, ``action.type``, ``zone.name``, ``id``). With ``api="v2"`` each
        takes one value or a list (any of them matches); ``actor_ip`` is v2's
        ``actor_ip_address``, and ``action_type`` is one of ``create``,
        ``delete``, ``view``, ``update``.
    direction
        ``"desc"`` (newest first, the default) or ``"asc"``.
    hide_user_logs
        Cloudflare's ``hide_user_logs`` flag (v1 only).
    account_id
        Read ``/accounts/{account_id}/audit_logs`` instead of the user's logs
        (v2: ``/accounts/{account_id}/logs/audit``).
        Also a list of account ids, or ``"*"``: every account ``GET /accounts``
        lists for the credential (none listed is an
        :class:`~auditkit.errors.AuthenticationError`). The accounts load at once
        (``workers`` at a time, within the one rate budget) into one frame whose
        ``account_id`` column says where each row came from (v1 records do not
        name their account: the column is added, last).
    organization_id
        v2 only: read ``/organizations/{organization_id}/logs/audit``.
    account_name, action_result, actor_context, actor_id, actor_ip_address, actor_token_id, actor_token_name, actor_type, raw_cf_ray_id, raw_method, raw_status_code, raw_uri, resource_id, resource_product, resource_scope, resource_type, zone_id
        Audit Logs v2's own filters, named as Cloudflare names them, each one
        value or a list (``raw_status_code`` takes integers; ``action_result``
        is ``success`` or ``failure``). Given with ``api="v1"``, any of them is
        an :class:`~auditkit.errors.InvalidParameterError` naming it.
    exclude
        v2 only: ``{filter name: value or list}``, sent as ``<name>.not``: the
        entries matching none of them.
    api
        ``"v1"`` (the default) or ``"v2"``.
    skip_unreadable
        With several accounts: an account the credential may not read is
        skipped (a ``RuntimeWarning`` names it, and ``df.attrs["skipped_accounts"]``
        lists it) instead of raising :class:`~auditkit.errors.AuthenticationError`.
    token
        API token (``Authorization: Bearer``). Default: ``$CLOUDFLARE_API_TOKEN``.
    email, api_key
        Legacy Global API Key pair. Default: ``$CLOUDFLARE_EMAIL`` and
        ``$CLOUDFLARE_API_KEY``.
    base_url
        API root including ``/client/v4``. Default: ``$CLOUDFLARE_BASE_URL``, else
        ``https://api.cloudflare.com/client/v4``.
    cache
        ``True`` (default file in the user cache dir, or ``$AUDITKIT_CACHE``),
        ``False`` (no cache) or a file path.
    per_page
        Entries per request, 1 to 1000.
    progress
        Show a progress bar: ``None`` = when interactive, ``True``, ``False``.
    offline
        Answer from the cache alone (no request is sent); a page that is not
        cached raises :class:`~auditkit.errors.OfflineCacheMissError`. Default:
        ``$AUDITKIT_OFFLINE`` set to ``1``. Ranges that end within the last hour
        are never cached, so offline loads need a ``before`` older than that.
    retry
        Retries, waits and timeouts (:class:`~auditkit.RetryPolicy`).
    workers
        Time windows fetched at once (1 to 16); with several accounts, also the
        accounts loaded at once.
    archive, storage_options
        A Parquet archive (:func:`auditkit.sync_archive`'s folder or fsspec URL, and
        its fsspec options): the entries up to its last sync are read from it, what
        is newer from the API (from an hour before that sync, for entries written
        late), as one deduplicated frame; ``df.attrs`` adds ``archive``,
        ``archive_rows`` and ``archive_upper_bound``. Entries that have aged out of
        Cloudflare's retention come from the archive. A stream synced with filters
        this load lacks is an :class:`~auditkit.errors.InvalidParameterError` naming
        the filter (the archive would miss rows).
    **unknown
        None is taken: a misspelt keyword (``actr_email=``) is an
        :class:`~auditkit.errors.InvalidParameterError` naming it, with the
        closest keyword (``did you mean actor_email?``), before any request.

    Returns
    -------
    pandas.DataFrame
        Columns as in :data:`auditkit.frame.COLUMNS`. ``df.attrs`` holds the
        query, the scope, the endpoint, ``loaded_at``, ``upper_bound`` and request
        counts (``requests`` sent, ``pages``, ``pages_from_cache``, ``cache_hit``);
        never a credential.

    Raises
    ------
    InvalidParameterError
        A bad parameter (a ``ValueError``), or a keyword the function does not
        take, before any request.
    MissingCredentialsError
        No credential given or found; the message says how to pass one, or how
        to try the sandbox.
    AuthenticationError, RateLimitError, APIError, TransportError
        Cloudflare refused or the network failed after retries.
    CacheError
        ``offline=True`` and the cache file cannot be opened or read. Online, a
        cache that cannot be used (read-only, locked by another process for more
        than ``auditkit.store.LOCK_WAIT`` seconds, damaged and not movable) is
        read as far as it can be and not written, with one ``RuntimeWarning``.

    Examples
    --------
    >>> from auditkit import sandbox
    >>> with sandbox.start() as sb:
    ...     df = load_audit_logs(base_url=sb.base_url, token=sb.token, cache=False,
    ...                          action_type="login", progress=False)
    >>> set(df["action_type"])
    {'login'}
    """
    check_keywords(unknown, load_audit_logs)
    if archive is not None:
        from .archive._combine import load_with_archive

        given = {k: v for k, v in locals().items() if k in _PARAMETERS}
        return load_with_archive(archive, storage_options=storage_options, **given)
    if storage_options is not None:
        raise InvalidParameterError("storage_options", "is for an archive: pass archive= too")
    # The filters are declared once (_query.FILTERS); the signature lists them for help().
    source = get_source(api)
    values = {**filter_values(locals()), "exclude": exclude}
    accounts = _many_accounts(account_id)
    if accounts is not None:
        values["account_id"] = accounts[0] if accounts else _ANY_ACCOUNT
    query = source.build_query(values, per_page)
    if not isinstance(skip_unreadable, bool):
        raise InvalidParameterError(
            "skip_unreadable", f"must be True or False, got {skip_unreadable!r}"
        )
    cache_path = resolve_cache_path(cache)
    root = resolve_base_url(base_url)
    if offline is None:
        offline = os.environ.get(ENV_OFFLINE, "") == "1"
    if not isinstance(offline, bool):
        raise InvalidParameterError("offline", f"must be True, False or None, got {offline!r}")
    if offline and cache_path is None:
        raise InvalidParameterError("offline", "offline mode needs a cache (cache=False was given)")
    retry = retry if retry is not None else RetryPolicy()
    if not isinstance(retry, RetryPolicy):
        raise InvalidParameterError("retry", "must be an auditkit.RetryPolicy")
    workers = _check_workers(workers)
    check_progress(progress)
    credentials = resolve_credentials(token, email, api_key)
    now = _now()
    load = _Load(
        source=source,
        query=query,
        credentials=credentials,
        root=root,
        retry=retry,
        offline=offline,
        workers=workers,
        progress=progress,
        now=now,
        upper=now if query.before is None else min(query.before, now),
    )
    # The system allocator for the load's Arrow memory (frame._memory: mimalloc keeps what
    # the worker threads free).
    with load_pool():
        skipped: list[str] = []
        if accounts is None:
            parts, stats, windows = _fetch_once_more(load, cache_path)
        else:
            if not accounts:  # "*"
                if offline:
                    raise InvalidParameterError(
                        "account_id", "'*' lists the accounts online; offline, give their ids"
                    )
                accounts = _listed_accounts(load)
                if not accounts:
                    raise AuthenticationError(
                        "account_id='*': GET /accounts lists no account for this credential "
                        "(listing needs the Account Settings Read permission); give account ids"
                    )
            parts, stats, windows, skipped = _fetch_accounts(
                load, values, per_page, accounts, cache_path, skip_unreadable
            )
        # Windows are planned oldest first and pages come newest first: newest window first
        # makes a default (newest-first) load arrive in order, so _finish need not copy it.
        ordered = parts[::-1] if query.direction == "desc" else parts
        del parts
        schema = source.schema if accounts is None else with_account(source.schema)
        whole = Chunk.concat(ordered, schema)
        del ordered  # from here on `held` holds the rows: the frame frees them as it grows
        held = [_finish(whole, query, load.upper)]
        del whole
        release_unused(in_use_over=RELEASE_BYTES)  # _finish's transient work
        frame = frame_of_taken(held, schema)
    frame.attrs.update(
        {
            "api": source.name,
            "query": query.describe(),
            "scope": query.scope,
            "endpoint": f"{root}{query.path}",
            "loaded_at": now.isoformat(),
            "upper_bound": load.upper.isoformat(),
            "windows": len(windows),
            "pages": stats.pages,
            "requests": stats.requests,
            "pages_from_cache": stats.pages_from_cache,
            "cache_hit": stats.pages > 0 and stats.pages_from_cache == stats.pages,
            "cache": None if cache_path is None else str(cache_path),
            "offline": offline,
        }
    )
    if accounts is not None:
        frame.attrs["accounts"] = [a for a in accounts if a not in skipped]
        frame.attrs["skipped_accounts"] = skipped
        frame.attrs["endpoint"] = root + query.path.replace(
            f"/accounts/{values['account_id']}/", "/accounts/{account_id}/", 1
        )
    return frame


#: Placeholder account id that validates the other filters of an ``account_id="*"`` load.
_ANY_ACCOUNT = "any"


def _many_accounts(account_id: Any) -> list[str] | None:
    """``None`` for one account (or none); the ids of a list; ``[]`` for ``"*"``."""
    if account_id == "*":
        many: list[str] = []
    elif isinstance(account_id, list | tuple):
        if not account_id:
            raise InvalidParameterError("account_id", "must not be an empty list")
        many = []
        for item in account_id:
            if not isinstance(item, str) or item == "*":
                raise InvalidParameterError(
                    "account_id", f"a list holds account ids (strings), not {item!r}"
                )
            if item not in many:
                many.append(item)
    else:
        return None
    return many


def _listed_accounts(load: _Load) -> list[str]:
    """Every account ``GET /accounts`` lists for the load's credential (never cached)."""
    session = open_session(None)
    try:
        client = ApiClient(
            load.credentials,
            load.root,
            session,
            decode=decode_accounts,
            retry=load.retry,
            pace=get_rate_budget(),
        )
        return list_accounts(client)
    finally:
        session.close()


def _fetch_accounts(
    load: _Load,
    values: dict[str, Any],
    per_page: int,
    accounts: list[str],
    cache_path: Path | None,
    skip_unreadable: bool,
) -> tuple[list[Chunk], ClientStats, list[Window], list[str]]:
    """:func:`_fetch_once_more` for each account, ``load.workers`` accounts at a time.

    Each account pages its own windows ``load.workers`` at a time as well: a load of
    one day per account is one cursor walk each, so accounts are what runs at once.

    An account the credential may not read raises an
    :class:`~auditkit.errors.AuthenticationError` naming it, or is skipped with a
    warning when ``skip_unreadable``. The first other failure is raised once
    every account in flight has finished.
    """
    loads = [
        replace(load, query=load.source.build_query({**values, "account_id": a}, per_page))
        for a in accounts
    ]
    pool = ThreadPoolExecutor(
        max_workers=min(load.workers, len(loads)), thread_name_prefix="auditkit-account"
    )
    futures = [pool.submit(_fetch_once_more, one, cache_path) for one in loads]
    outcomes: list[Any] = []
    try:
        for future in futures:
            try:
                outcomes.append(future.result())
            except AuthenticationError as exc:
                outcomes.append(exc)
    except BaseException:
        # A failure or Ctrl-C: accounts not started are dropped, and no thread is waited
        # for (a ``with`` block would wait for every account in flight to finish).
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    parts: list[Chunk] = []
    windows: list[Window] = []
    stats = ClientStats()
    skipped: list[str] = []
    for account, outcome in zip(accounts, outcomes, strict=True):
        if isinstance(outcome, AuthenticationError):
            if not skip_unreadable:
                raise AuthenticationError(
                    f"account {account}: Cloudflare rejected the credential for this account "
                    "(skip_unreadable=True skips such accounts)",
                    status=outcome.status,
                    errors=outcome.errors,
                    url=outcome.url,
                ) from None
            skipped.append(account)
            continue
        chunks, account_stats, account_windows = outcome
        parts += _tagged(chunks, account, load.source.schema)
        windows += account_windows
        stats.add(
            requests=account_stats.requests,
            pages=account_stats.pages,
            pages_from_cache=account_stats.pages_from_cache,
        )
    if skipped:
        warnings.warn(
            f"auditkit: skipped {len(skipped)} account(s) the credential may not read: "
            + ", ".join(skipped),
            RuntimeWarning,
            stacklevel=3,
        )
    return parts, stats, windows, skipped


def _tagged(chunks: list[Chunk], account: str, schema: Schema) -> list[Chunk]:
    """``chunks`` with an ``account_id`` column of ``account``, unless ``schema`` has one."""
    if "account_id" in schema.names:
        return chunks
    return [
        Chunk(c.table.append_column("account_id", pa.array([account] * len(c), pa.string())))
        for c in chunks
    ]


@dataclass(frozen=True)
class _Load:
    """One load's settings, checked: what every step after validation reads."""

    source: Source[Any]
    query: Query
    credentials: Credentials
    root: str
    retry: RetryPolicy
    offline: bool
    workers: int
    progress: bool | None
    now: pd.Timestamp
    upper: pd.Timestamp


def _fetch_once_more(
    load: _Load, cache_path: Path | None
) -> tuple[list[Chunk], ClientStats, list[Window]]:
    """:func:`_fetch`; when the cache breaks mid-load, once more with it set aside.

    A corrupt page or a truncated file moves the file aside and the load goes
    again; if it cannot be moved (a read-only file system), again without it.
    Offline, where the cache is the only source, it is a :class:`CacheError`.
    """
    try:
        return _fetch(load, cache_path)
    except sqlite3.DatabaseError as exc:
        if cache_path is None or load.offline:
            raise CacheError(f"auditkit cache {cache_path} is unreadable ({exc})") from None
        moved = quarantine(cache_path, exc) is not None
    try:
        return _fetch(load, cache_path if moved else None)
    except sqlite3.DatabaseError as again:
        raise CacheError(f"auditkit cache {cache_path} is unreadable ({again})") from None


def _fetch(load: _Load, cache_path: Path | None) -> tuple[list[Chunk], ClientStats, list[Window]]:
    """Open the session (and window store), plan the windows, page them, close."""
    source, query = load.source, load.query
    fingerprint = load.credentials.fingerprint if cache_path else None
    # A cache that cannot be used at all degrades to an uncached load (with a warning),
    # except offline, where the cache is the only source.
    session = open_session(cache_path, fingerprint, decode=source.decode, fallback=not load.offline)
    try:
        store = WindowStore(session) if hasattr(session, "cache") else None
        client = ApiClient(
            load.credentials,
            load.root,
            session,
            decode=source.decode,
            retry=load.retry,
            offline=load.offline,
            pace=get_rate_budget(),
        )
        endpoint = f"{load.root}{query.path}"
        windows = _plan(source, client, query, load.upper, load.now)

        def key_of(window: Window) -> str | None:
            if store is None or fingerprint is None or not window.cacheable:
                return None
            wire = sorted({**query.filter_params(), **window.wire_bounds()}.items())
            return window_key(fingerprint, endpoint, wire, query.per_page)

        with Progress(load.progress, total=len(windows)) as bar:
            chunks = _fetch_windows(
                source, client, query, windows, load.workers, bar, store, key_of
            )
    finally:
        session.close()
    return chunks, client.stats, windows


def _plan(
    source: Source[Any], client: ApiClient, query: Query, upper: pd.Timestamp, now: pd.Timestamp
) -> list[Window]:
    """The load's time windows: months that cannot hold data cost (almost) nothing.

    Cloudflare keeps 18 months (the source's ``retention_months``). Everything older than that (:func:`retention_floor`)
    is one window, not a window a month. When the closed months of the range
    are many (no ``since``, or one more than :data:`PROBE_MONTHS` months back),
    one probe, the oldest matching entry before this month (cached once the
    month has begun), says where the data starts:

    - no entry at all: the closed months are skipped (an empty answer for the
      range is as good as an empty answer for each of its months);
    - an entry: the month grid starts at that entry's month, and everything
      before it is one window. That window is empty when the server honours
      ``direction=asc``; when it does not, it still holds whatever the probe
      missed, so the frame is complete either way (the fail-safe choice, for one
      cached request).

    ``since="2017-01-01"`` thus costs the probe, one window below the data and
    the windows the data needs, not one request per empty month since 2017.
    """
    if query.id is not None:
        return plan_windows(query.since, upper, now, align=False)
    since = query.since
    horizon = min(upper, month_start(now))
    floor = min(retention_floor(now, source.retention_months), horizon)
    if since is not None and since >= _months_before(horizon, PROBE_MONTHS):
        return plan_windows(since, upper, now)
    probe = Window(since, horizon, cacheable=horizon <= now - SETTLE)
    oldest = source.oldest_when(client, query, probe)
    if oldest is None:  # nothing matches before this month
        return plan_windows(horizon, upper, now) if horizon < upper else []
    start = floor if oldest is False else min(max(month_start(oldest), floor), horizon)
    if since is not None and since >= start:
        return plan_windows(since, upper, now)
    below = Window(since, start, cacheable=start <= now - SETTLE)
    return [below, *plan_windows(start, upper, now)] if start < upper else [below]


#: A range reaching more than this many months before the current one starts with a probe.
PROBE_MONTHS = 3


def _months_before(ts: pd.Timestamp, months: int) -> pd.Timestamp:
    return (ts - pd.DateOffset(months=months)).as_unit("us")


_PARAMETERS = _load_parameters()

"""The CSV export: :func:`export_audit_logs`, Audit Logs v1's ``export=true``, to a file.

Streamed, never cached, written beside its target and renamed into place, so a
failed download leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ._load import _now
from ._query import MAX_PER_PAGE, TimeLike, filter_values
from ._suggest import check_keywords
from ._windows import Window
from .errors import InvalidParameterError
from .http import ApiClient, RetryPolicy, get_rate_budget, resolve_base_url, resolve_credentials
from .sources.v1 import SOURCE as V1
from .store import open_session

__all__ = ["export_audit_logs"]


def export_audit_logs(
    path: str | os.PathLike[str],
    *,
    since: TimeLike | None = None,
    before: TimeLike | None = None,
    actor_email: str | None = None,
    actor_ip: str | None = None,
    action_type: str | None = None,
    zone_name: str | None = None,
    id: str | None = None,
    direction: str = "desc",
    hide_user_logs: bool = False,
    account_id: str | None = None,
    token: str | None = None,
    email: str | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    retry: RetryPolicy | None = None,
    **unknown: Any,
) -> Path:
    """Stream Cloudflare's CSV export (``export=true``) of the matching entries to ``path``.

    The file appears only when the download is complete (it is written to a
    temporary file beside it and renamed); on any error nothing is left behind.
    Exports are never cached. Filters and credentials work as in
    :func:`load_audit_logs`; the upper bound is ``before``, else now.

    Parameters
    ----------
    path
        The CSV file to write (its folder must exist).
    since, before, actor_email, actor_ip, action_type, zone_name, id, direction, hide_user_logs, account_id
        The filters, as in :func:`load_audit_logs` (declared once in
        :data:`auditkit._query.FILTERS`).
    token, email, api_key, base_url, retry
        As in :func:`load_audit_logs`.
    **unknown
        None is taken: a misspelt keyword is an
        :class:`~auditkit.errors.InvalidParameterError` naming it (with the closest
        keyword), before any request.

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile, os
    >>> from auditkit import sandbox
    >>> with sandbox.start() as sb:
    ...     out = export_audit_logs(os.path.join(tempfile.mkdtemp(), "logs.csv"),
    ...                             base_url=sb.base_url, token=sb.token)
    >>> out.read_text().splitlines()[0].startswith("id,")
    True
    """
    check_keywords(unknown, export_audit_logs)
    if not isinstance(path, str | os.PathLike) or not os.fspath(path):
        raise InvalidParameterError("path", "must be a file path")
    target = Path(path).expanduser()
    if target.is_dir():
        raise InvalidParameterError("path", f"{os.fspath(path)!r} is a directory")
    if not target.parent.exists():
        raise InvalidParameterError("path", f"folder {str(target.parent)!r} does not exist")
    source = V1
    query = source.build_query(filter_values(locals()), MAX_PER_PAGE)
    root = resolve_base_url(base_url)
    credentials = resolve_credentials(token, email, api_key)
    now = _now()
    upper = now if query.before is None else min(query.before, now)
    params = {
        **query.filter_params(),
        **Window(query.since, upper, cacheable=False).wire_bounds(widen=False),
        "export": "true",
    }
    session = open_session(None)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        client = ApiClient(
            credentials, root, session, decode=source.decode, retry=retry, pace=get_rate_budget()
        )
        with os.fdopen(fd, "wb") as out:
            client.stream_to(query.path, params, out.write)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        session.close()
    return target

"""auditkit's exception tree.

Everything auditkit raises on purpose derives from :class:`AuditKitError`::

    AuditKitError
    ├── InvalidParameterError (also a ValueError)  bad input, raised before any request
    ├── MissingCredentialsError                    no token or key found
    ├── TransportError                             the network failed, retries exhausted
    ├── OfflineCacheMissError                      offline mode and a page is not cached
    ├── IncompleteLoadError                        a load could not be completed safely
    ├── CacheError                                 the cache file cannot be used
    ├── StorageError                               a folder or bucket cannot be read or written
    │   └── LogpushFileError                       a Logpush file is damaged (names file, line)
    ├── ArchiveError                               an archive is damaged, foreign or busy
    │   └── ArchiveBusyError                       another sync holds the archive
    └── APIError                                   Cloudflare answered with an error
        ├── AuthenticationError                    bad or insufficient credentials
        └── RateLimitError                         HTTP 429, retries exhausted or wait too long

Messages and attributes never contain a credential.

Examples
--------
>>> from auditkit.errors import APIError
>>> err = APIError("boom", status=500, errors=[{"code": 1000, "message": "Internal"}])
>>> err.codes
[1000]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

__all__ = [
    "APIError",
    "ArchiveBusyError",
    "ArchiveError",
    "AuditKitError",
    "AuthenticationError",
    "CacheError",
    "IncompleteLoadError",
    "InvalidParameterError",
    "LogpushFileError",
    "MissingCredentialsError",
    "OfflineCacheMissError",
    "RateLimitError",
    "StorageError",
    "TransportError",
]


class AuditKitError(Exception):
    """Root of every exception auditkit raises on purpose."""


class InvalidParameterError(AuditKitError, ValueError):
    """A parameter has a bad value. Raised before any request is made.

    Parameters
    ----------
    parameter
        The parameter's name, as the caller spelled it.
    message
        What is wrong and what is expected.
    """

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"{parameter}: {message}")


class MissingCredentialsError(AuditKitError):
    """No Cloudflare credential was passed or found in the environment."""


class TransportError(AuditKitError):
    """The connection failed (refused, dropped, timed out) and retries ran out."""


class OfflineCacheMissError(AuditKitError):
    """Offline mode was asked for and a needed page is not in the cache."""


class IncompleteLoadError(AuditKitError):
    """A load stopped before it could prove it had every entry (e.g. a page limit)."""


class CacheError(AuditKitError):
    """The cache file cannot be read or written and the call cannot go on without it.

    Raised when a load that needs the cache (``offline=True``) cannot open it,
    and by :func:`auditkit.cache_info` / :func:`auditkit.clear_cache` when the
    file cannot be read or changed (a read-only file system, a lock held by
    another process, a disk error).
    """


class StorageError(AuditKitError):
    """A storage location (local folder, ``s3://``, ``gs://``, ``az://``...) failed.

    Raised when a file or object cannot be listed, read or written, a bucket
    does not exist, access is denied, or the fsspec package for a URL's scheme
    is not installed. The message names the location without any credential
    (``storage_options`` never appear in it).
    """


class LogpushFileError(StorageError):
    """A Logpush file cannot be read whole: bad gzip, a bad line, a record without id or time.

    Attributes
    ----------
    path
        The file, as shown (its location's URL without credentials).
    line
        The 1-based line (of the decompressed text), or ``None`` for the whole file.
    """

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}: line {line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class ArchiveError(AuditKitError):
    """An archive cannot be used as it is: its manifest is damaged or of an unknown
    format, a file it lists is missing, or the folder holds something else."""


class ArchiveBusyError(ArchiveError):
    """Another sync holds the archive's lock (or committed while this one ran)."""


class APIError(AuditKitError):
    """Cloudflare answered with an error.

    Parameters
    ----------
    message
        A one-line summary.
    status
        The HTTP status code.
    errors
        Cloudflare's ``errors[]`` array (each with ``code`` and ``message``).
    url
        The request URL without credentials (auditkit never puts one in a URL).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
        url: str | None = None,
    ) -> None:
        self.status = status
        self.errors: list[dict[str, Any]] = [
            dict(e) for e in (errors or []) if isinstance(e, Mapping)
        ]
        self.url = url
        detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in self.errors)
        text = message if not detail else f"{message} [{detail}]"
        if status is not None:
            text = f"HTTP {status}: {text}"
        super().__init__(text)

    @property
    def codes(self) -> list[int]:
        """Cloudflare's error codes, top level and ``error_chain`` (e.g. ``[6003, 6103]``)."""
        out: list[int] = []
        for err in self.errors:
            for item in [err, *(err.get("error_chain") or [])]:
                code = item.get("code") if isinstance(item, Mapping) else None
                if isinstance(code, int):
                    out.append(code)
        return out

    @property
    def messages(self) -> list[str]:
        """Cloudflare's error messages, in order."""
        return [str(e.get("message")) for e in self.errors if e.get("message") is not None]


class AuthenticationError(APIError):
    """The credential was rejected or may not read these audit logs (9109, 10000, 6003...)."""


class RateLimitError(APIError):
    """Cloudflare's rate limit (HTTP 429) was hit and waiting is not allowed or did not help.

    Attributes
    ----------
    retry_after
        Seconds Cloudflare asked to wait, if it said.
    retry_at
        When it is safe to try again (UTC), if known.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        retry_at: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        self.retry_after = retry_after
        self.retry_at = retry_at
        super().__init__(message, **kwargs)

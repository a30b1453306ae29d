"""Folders and buckets: a location given as a path or an fsspec URL, opened once.

``auditkit.store`` is the cache file; this package is where the archive and the Logpush
reader find their files: a local folder, ``file://``, ``s3://`` (R2 through its S3
endpoint), ``gs://``, ``az://`` or any other scheme fsspec knows. Credentials come from
``storage_options`` or the scheme's usual environment; they stay in the filesystem object
in memory and never appear in a :class:`Location`'s ``url``, its repr or an error message.

>>> import tempfile
>>> from auditkit.storage import open_location
>>> loc = open_location(tempfile.mkdtemp(), None, param="dest")
>>> loc.is_local, loc.join("api=v1", "day=2026-11-30").endswith("api=v1/day=2026-11-30")
(True, True)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidParameterError, StorageError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

__all__ = ["Location", "open_location", "redact_url", "storage_error"]

# Extras that bring a scheme's fsspec implementation (pip install "auditkit[s3]").
_EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs", "az": "azure", "abfs": "azure"}
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@")


def redact_url(url: str) -> str:
    """``url`` without any ``user:password@`` part (``s3://KEY:SECRET@bucket`` -> ``s3://bucket``).

    >>> redact_url("s3://AKIA:secret@bucket/audit")
    's3://bucket/audit'
    """
    return _USERINFO.sub(r"\1", url)


@dataclass(frozen=True)
class Location:
    """An opened location: its filesystem, its root path within it, and its URL as shown.

    Attributes
    ----------
    fs
        The fsspec filesystem (holds any credentials, in memory only).
    root
        The location's path within ``fs``, without a trailing ``/``.
    url
        What the user gave, without credentials: for messages, reprs and manifests.
    """

    fs: AbstractFileSystem = field(repr=False)
    root: str
    url: str

    @property
    def is_local(self) -> bool:
        """True for a folder on this machine (``os.rename`` and ``fcntl`` work there)."""
        protocol = self.fs.protocol
        names = (protocol,) if isinstance(protocol, str) else tuple(protocol)
        return "file" in names or "local" in names

    def join(self, *parts: str) -> str:
        """The path of ``parts`` under the root, ``/``-separated as fsspec wants."""
        return "/".join([self.root, *(p.strip("/") for p in parts if p)])


def storage_error(location: Location | str, what: str, exc: BaseException) -> StorageError:
    """A :class:`StorageError` for ``what`` failing at ``location``, naming neither secret nor
    the raw exception's text when that could carry one (botocore's messages do not)."""
    url = location.url if isinstance(location, Location) else redact_url(location)
    reason = f"{type(exc).__name__}: {redact_url(str(exc))}" if str(exc) else type(exc).__name__
    return StorageError(f"{what} {url}: {reason}")


def open_location(
    url: str | os.PathLike[str], storage_options: Mapping[str, Any] | None, *, param: str
) -> Location:
    """Open a local path or fsspec URL; bad input is an ``InvalidParameterError`` naming ``param``.

    Parameters
    ----------
    url
        A folder (``"audit-archive/"``, a :class:`pathlib.Path`) or a URL (``"s3://b/prefix"``).
    storage_options
        Passed to the scheme's filesystem (``key``, ``secret``, ``client_kwargs``...), or None.
    param
        The caller's parameter name, for the error message.

    Returns
    -------
    Location

    Raises
    ------
    auditkit.InvalidParameterError
        Not a path or URL, an unknown scheme, a URL holding ``user:secret@``,
        ``storage_options`` not a mapping, or the scheme's package missing (the message names the extra to install).
    auditkit.StorageError
        The filesystem could not be created.
    """
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str) or not url.strip():
        raise InvalidParameterError(param, f"expected a folder or a URL, got {type(url).__name__}")
    if storage_options is not None and not isinstance(storage_options, Mapping):
        raise InvalidParameterError(
            "storage_options", f"expected a mapping, got {type(storage_options).__name__}"
        )
    shown = redact_url(url)
    if shown != url:
        raise InvalidParameterError(
            param, f"{shown}: put credentials in storage_options or the environment, not the URL"
        )
    from fsspec.core import url_to_fs  # imported on first use: keeps `import auditkit` light

    options = dict(storage_options or {})
    try:
        fs, root = url_to_fs(url if "://" in url else os.path.abspath(url), **options)
    except ImportError as exc:
        scheme = url.split("://", 1)[0]
        extra = _EXTRAS.get(scheme)
        hint = f'pip install "auditkit[{extra}]"' if extra else "install its fsspec package"
        raise InvalidParameterError(
            param, f"{shown}: {scheme}:// needs a package ({hint}): {exc}"
        ) from None
    except ValueError as exc:
        raise InvalidParameterError(param, f"{shown}: {redact_url(str(exc))}") from None
    except Exception as exc:  # a filesystem's constructor: bad options, bad credentials file
        raise storage_error(shown, "cannot open", exc) from None
    return Location(fs=fs, root=str(root).rstrip("/") or "/", url=shown)

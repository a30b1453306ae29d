"""Progress display for long loads: a tqdm bar (a widget in notebooks).

``progress=None`` shows a bar only when someone is watching (a terminal or a
notebook kernel) and only once a load has taken more than half a second;
``True`` always shows one; ``False`` never does. The bar shows counts only.

Examples
--------
>>> with Progress(False, total=3) as bar:
...     bar.update(entries=10)
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from .errors import InvalidParameterError

__all__ = ["Progress", "check_progress", "interactive"]


def check_progress(value: object) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``value`` is None, True or False."""
    if value is not None and not isinstance(value, bool):
        raise InvalidParameterError("progress", f"must be None, True or False, got {value!r}")


def interactive() -> bool:
    """True in a Jupyter/IPython kernel or when stderr is a terminal."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A context manager counting windows done and entries loaded.

    Parameters
    ----------
    enabled
        ``None`` (auto), ``True`` or ``False``.
    total
        Number of time windows in the load (or of what ``unit`` names: files, partitions).
    desc, unit
        The bar's label and what it counts.
    """

    def __init__(
        self, enabled: bool | None, total: int, desc: str = "audit logs", unit: str = "window"
    ) -> None:
        check_progress(enabled)
        self.entries = 0
        self._bar: Any = None
        if enabled is False or (enabled is None and not interactive()):
            return
        from tqdm.auto import tqdm

        self._bar = tqdm(
            total=total,
            desc=desc,
            unit=unit,
            delay=0 if enabled else 0.5,
            leave=bool(enabled),
            file=sys.stderr,
        )

    def update(self, windows: int = 0, entries: int = 0) -> None:
        """Advance by ``windows`` finished windows and ``entries`` loaded entries."""
        self.entries += entries
        if self._bar is not None:
            if windows:
                self._bar.update(windows)
            if entries:
                self._bar.set_postfix(entries=self.entries, refresh=False)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()

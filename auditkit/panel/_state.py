"""The panel's memory of selections, so that re-running ``FilterPanel(df)`` keeps them.

A notebook user re-runs the cell that builds the panel (to change ``rows=``, or
after editing the cell); the new panel should show what the old one was
filtering. As msticpy's registered widgets do, panels share a registry, here
keyed by **the frame's identity**: the same ``df`` object gets the selections
back, and any other frame (a reload, a copy, ``df[df.x == y]``) starts fresh,
even with the same contents. Identity costs nothing to compute (a content
fingerprint of 1,000,000 rows would cost a noticeable part of a second) and
never carries selections over to data that only looks the same.

Safety:

- the registry holds a **weak reference** to each frame, never the frame: an
  entry goes away when its frame is garbage-collected, and an ``id()`` reused
  by a later object is not taken for the old frame;
- a frame changed in place since (other row count or columns) starts fresh;
- at most :data:`MAX_FRAMES` frames are remembered (least recently used first
  out); a state is a few control values, never rows;
- a state matching no filter (after :meth:`FilterPanel.reset`) is forgotten;
- values restored are checked against the new panel's options (see
  :meth:`FilterPanel._restore`), so a stale value never raises.

Nothing here imports ipywidgets.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

import pandas as pd

#: Frames whose selections are remembered at most.
MAX_FRAMES = 16

#: A panel's selections: control name -> value (tuples, strings, a pair of dates).
State = dict[str, Any]


def _fingerprint(df: pd.DataFrame) -> tuple[int, tuple[str, ...]]:
    return len(df), tuple(str(c) for c in df.columns)


class Registry:
    """Selections by frame (identity), bounded, holding frames only weakly.

    Examples
    --------
    >>> import pandas as pd
    >>> reg = Registry(max_frames=2)
    >>> df = pd.DataFrame({"id": ["a"]})
    >>> reg.save(df, {"search": "ana"})
    >>> reg.load(df)
    {'search': 'ana'}
    >>> reg.load(df.copy()) is None  # another frame, same contents
    True
    >>> reg.save(df, {})  # nothing selected: forgotten
    >>> len(reg)
    0
    """

    def __init__(self, max_frames: int = MAX_FRAMES) -> None:
        self.max_frames = max_frames
        self._lock = threading.RLock()  # re-entrant: a weakref callback may run under it
        self._entries: OrderedDict[int, tuple[weakref.ref[Any], tuple[Any, ...], State]] = (
            OrderedDict()
        )

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: int, ref: weakref.ref[Any]) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is ref:
                del self._entries[key]

    def load(self, df: pd.DataFrame) -> State | None:
        """The selections last saved for ``df`` (a copy), or ``None``."""
        with self._lock:
            entry = self._entries.get(id(df))
            if entry is None or entry[0]() is not df or entry[1] != _fingerprint(df):
                return None
            self._entries.move_to_end(id(df))
            return dict(entry[2])

    def save(self, df: pd.DataFrame, state: State) -> None:
        """Remember ``state`` for ``df``; an empty ``state`` forgets ``df``."""
        key = id(df)
        with self._lock:
            if not state:
                self._entries.pop(key, None)
                return
            entry = self._entries.get(key)
            if entry is not None and entry[0]() is df:
                ref = entry[0]
            else:

                def gone(r: weakref.ref[Any], key: int = key) -> None:
                    self._drop(key, r)

                ref = weakref.ref(df, gone)
            self._entries[key] = (ref, _fingerprint(df), dict(state))
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_frames:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every frame's selections."""
        with self._lock:
            self._entries.clear()


#: The registry every :class:`~auditkit.panel.FilterPanel` shares.
REGISTRY = Registry()

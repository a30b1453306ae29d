"""Colours and label length: the fixed colours, group colours from the active
colour cycle, the colormap check, and clipping long labels."""

from __future__ import annotations

from typing import Any

from auditkit.analysis._checks import _short
from auditkit.errors import InvalidParameterError

#: Colour of the "other" group: a mid grey that reads on light and dark backgrounds.
OTHER_COLOR = "#8c8c8c"
#: Colour of failures, in :func:`~auditkit.plotting.plot_actor_summary` and the panel's chart.
FAILURE_COLOR = "#d62728"
#: Label of the group that collects everything past the top N.
OTHER_LABEL = "other"


def _group_colors(n: int) -> list[Any]:
    """``n`` colours from the active style's colour cycle, leaving out greys (which
    would read as "other"); the cycle's own colours if it has nothing else."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import rgb_to_hsv, to_rgb

    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color") or ["C0"]
    vivid = [c for c in cycle if rgb_to_hsv(to_rgb(c))[1] >= 0.15] or list(cycle)
    return [vivid[i % len(vivid)] for i in range(n)]


def _check_cmap(cmap: Any) -> None:
    import matplotlib as mpl
    from matplotlib.colors import Colormap

    if isinstance(cmap, Colormap):
        return
    if not isinstance(cmap, str) or cmap not in mpl.colormaps:
        raise InvalidParameterError(
            "cmap", f"must be a matplotlib colormap name such as 'viridis', got {_short(cmap)}"
        )


def _colormap(cmap: Any) -> Any:
    """The :class:`~matplotlib.colors.Colormap` named ``cmap`` (or ``cmap`` itself)."""
    import matplotlib as mpl
    from matplotlib.colors import Colormap

    return cmap if isinstance(cmap, Colormap) else mpl.colormaps[cmap]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"

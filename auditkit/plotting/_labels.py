"""Point labels that never overlap: each label is placed, measured by the renderer,
beside its point (above or below, right or left) where it overlaps no other label
or marker and stays inside the Axes, or it is left out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Annotation

#: Where a label may sit, tried in order: offset (points) and alignment.
_PLACES: tuple[tuple[tuple[float, float], Any, Any], ...] = (
    ((4.0, 4.0), "left", "bottom"),
    ((4.0, -4.0), "left", "top"),
    ((-4.0, 4.0), "right", "bottom"),
    ((-4.0, -4.0), "right", "top"),
)
#: Clearance around each label, in pixels.
_PAD = 1.0


def _renderer(ax: Axes) -> RendererBase:
    """A renderer for ``ax``'s figure, after the layout engine has placed the Axes."""
    figure: Any = ax.figure
    figure.draw_without_rendering()
    renderer: RendererBase = figure.canvas.get_renderer()
    return renderer


def _box(ann: Annotation, renderer: RendererBase) -> np.ndarray:
    b = ann.get_window_extent(renderer)
    return np.array([b.x0 - _PAD, b.y0 - _PAD, b.x1 + _PAD, b.y1 + _PAD])


def _overlaps(box: np.ndarray, boxes: list[np.ndarray]) -> bool:
    if not boxes:
        return False
    other = np.asarray(boxes)
    return bool(
        np.any(
            (box[0] < other[:, 2])
            & (other[:, 0] < box[2])
            & (box[1] < other[:, 3])
            & (other[:, 1] < box[3])
        )
    )


def place_labels(
    ax: Axes,
    points: Sequence[tuple[Any, float]],
    labels: Sequence[str],
    *,
    order: Sequence[int] | None = None,
    colors: Sequence[Any] | None = None,
    markers: Sequence[tuple[Any, float]] = (),
    obstacles: Sequence[tuple[float, float, float, float]] = (),
    fontsize: float = 8,
    marker_px: float = 4.0,
) -> list[int]:
    """Label ``points`` (data coordinates) without overlaps; return the labelled indices.

    Labels are placed in ``order`` (default: as given), each at the first of four
    places beside its point (above right, below right, above left, below left) whose
    box, measured by the renderer, lies inside the Axes and overlaps no label placed
    before, no marker (``markers``, squares of ``2 * marker_px`` pixels) and no
    ``obstacles`` (pixel boxes ``(x0, y0, x1, y1)``, such as a legend); a label
    with no such place is left out. Call it after everything else of the figure is
    drawn (title, ticks, legend, limits): the labels are left out of the layout, so
    they do not move the Axes they were measured on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(layout="constrained")
    >>> ax.set_xlim(0, 10); ax.set_ylim(0, 10)  # doctest: +ELLIPSIS
    (...)
    >>> place_labels(ax, [(5, 5), (5, 5), (5, 5), (5, 5), (5, 5)], ["a", "b", "c", "d", "e"])
    [0, 1, 2, 3]
    """
    renderer = _renderer(ax)
    frame = ax.get_window_extent(renderer)
    bounds = (frame.x0, frame.y0, frame.x1, frame.y1)
    taken: list[np.ndarray] = []
    if markers:
        xy = ax.transData.transform(
            np.column_stack(
                [ax.convert_xunits([m[0] for m in markers]), [m[1] for m in markers]]
            ).astype(float)
        )
        taken = [
            np.array([x - marker_px, y - marker_px, x + marker_px, y + marker_px]) for x, y in xy
        ]
    taken += [np.asarray(o, dtype=float) for o in obstacles]
    done: list[int] = []
    for i in order if order is not None else range(len(points)):
        ann = ax.annotate(
            labels[i],
            points[i],
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=fontsize,
            color=None if colors is None else colors[i],
            annotation_clip=False,
        )
        ann.set_in_layout(False)
        for offset, ha, va in _PLACES:
            ann.set_position(offset)
            ann.set_horizontalalignment(ha)
            ann.set_verticalalignment(va)
            box = _box(ann, renderer)
            inside = (
                box[0] >= bounds[0]
                and box[1] >= bounds[1]
                and box[2] <= bounds[2]
                and box[3] <= bounds[3]
            )
            if inside and not _overlaps(box, taken):
                taken.append(box)
                done.append(i)
                break
        else:
            ann.remove()
    return done


def fit_text(text: str, fits: Any) -> str:
    """``text``, or its longest ``…``-ended prefix for which ``fits(candidate)`` is true.

    Examples
    --------
    >>> fit_text("Value changes (zone_name=example.com)", lambda t: len(t) <= 16)
    'Value changes (…'
    """
    if fits(text):
        return text
    low, high = 1, len(text) - 1
    best = text[:1] + "…"
    while low <= high:
        mid = (low + high) // 2
        candidate = text[:mid].rstrip() + "…"
        if fits(candidate):
            best, low = candidate, mid + 1
        else:
            high = mid - 1
    return best

"""Every public callable rejects bad input with an InvalidParameterError naming the parameter.

The table below has one entry per public callable (``auditkit.__all__``, the
``df.audit`` accessor's methods and FilterPanel's public methods); a new public
callable without an entry makes :func:`test_table_covers_the_public_api` fail.
Functions that take a frame are also called with things that are not frames and
with frames that lack the columns they need.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import auditkit
from auditkit import (
    AuditKitError,
    BurstRule,
    InvalidParameterError,
    RiskRule,
    SettingRule,
    action_in,
)
from auditkit._accessor import AuditAccessor
from auditkit.analysis import DEFAULT_RULES

#: Keeps a load from ever reaching the network: a closed port, no cache, no progress bar.
NOWHERE = {
    "token": "t",
    "base_url": "http://127.0.0.1:9/client/v4",
}


class Case(NamedTuple):
    kwargs: dict[str, Any]
    parameter: str
    args: tuple[Any, ...] = ()


def _ok_rule(**changes: Any) -> dict[str, Any]:
    return {"name": "r", "reason": "why", "severity": "low", "predicate": action_in("x"), **changes}


def _setting_rule(**changes: Any) -> dict[str, Any]:
    base = {"name": "r", "reason": "why", "severity": "low", "settings": ("ssl",)}
    return {**base, "order": ("off", "on"), **changes}


def _shape_bug(frame: pd.DataFrame) -> list[bool]:
    return [True]


def _key_bug(frame: pd.DataFrame) -> pd.Series:
    return frame["no_such_column"]


_FILTERS = [
    Case({"resource_id": 5}, "resource_id"),
    Case({"resource_type": [1]}, "resource_type"),
    Case({"zone_name": ["ok.example", None]}, "zone_name"),
    Case({"setting": object()}, "setting"),
]
_FREQ = [
    Case({"freq": "bogus"}, "freq"),
    Case({"freq": 5}, "freq"),
    Case({"freq": None}, "freq"),
    Case({"freq": "0D"}, "freq"),
    Case({"freq": "-1D"}, "freq"),
]
_BY = [
    Case({"by": 5}, "by"),
    Case({"by": ["actor"]}, "by"),
    Case({"by": "no_such_column"}, "by"),
    Case({"by": "metadata"}, "by"),
]
_TZ = [
    Case({"tz": "Mars/Olympus_Mons"}, "tz"),
    Case({"tz": ""}, "tz"),
    Case({"tz": 5}, "tz"),
]
_AX = [Case({"ax": "not an axes"}, "ax"), Case({"ax": 5}, "ax")]
_TOP = [Case({"top": 0}, "top"), Case({"top": "3"}, "top"), Case({"top": 2.5}, "top")]
_WARMUP = [
    Case({"warmup": "bogus"}, "warmup"),
    Case({"warmup": None}, "warmup"),
    Case({"warmup": 5}, "warmup"),
    Case({"warmup": "-1D"}, "warmup"),
    Case({"warmup": "NaT"}, "warmup"),
]
_RULES = [
    Case({"rules": 5}, "rules"),
    Case({"rules": "abc"}, "rules"),
    Case({"rules": DEFAULT_RULES[0]}, "rules"),
    Case({"rules": [5]}, "rules"),
    Case({"extra_rules": None}, "extra_rules"),
    Case({"extra_rules": [object()]}, "extra_rules"),
    Case({"rules": [RiskRule("shape", "x", "low", _shape_bug)]}, "rules"),
    Case({"rules": [], "extra_rules": [RiskRule("key", "x", "low", _key_bug)]}, "extra_rules"),
]
_TIMELINE_PLOT = [
    *_FILTERS,
    Case({"max_label": "60"}, "max_label"),
    Case({"max_label": 0}, "max_label"),
    Case({"max_rows": 0}, "max_rows"),
    Case({"max_rows": 2.5}, "max_rows"),
    *_AX,
]
_HEATMAP_PLOT = [
    *_TZ,
    Case({"cmap": "no_such_colormap"}, "cmap"),
    Case({"cmap": 5}, "cmap"),
    *_AX,
]
_ACTIVITY_PLOT = [
    *(c for c in _FREQ if c != Case({"freq": None}, "freq")),  # None: chosen from the range
    Case({"freq": pd.offsets.Day()}, "freq"),
    *_BY,
    *_TZ,
    *_TOP,
    *_AX,
]
_PANEL = [
    Case({"rows": -1}, "rows"),
    Case({"rows": "10"}, "rows"),
    Case({"rows": 2.5}, "rows"),
    Case({"top_actors": -1}, "top_actors"),
    Case({"top_actors": None}, "top_actors"),
    Case({"chart": "yes"}, "chart"),
    Case({"export_path": 5}, "export_path"),
    Case({"risky": -1}, "risky"),
    Case({"remember": "yes"}, "remember"),
]

#: Public callable -> bad calls. Functions whose first parameter is ``df`` get the
#: frame as first argument, and are also tried with non-frames and short frames.
TABLE: dict[str, list[Case]] = {
    # analyses
    "activity_by_actor": [],
    "change_timeline": _FILTERS,
    "activity_over_time": [*_FREQ, *_BY, *_TZ],
    "activity_heatmap": [*_BY, *_TZ],
    "new_ips": _WARMUP,
    "risky_changes": _RULES,
    "rules_table": [
        Case({"rules": 5}, "rules"),
        Case({"rules": [5]}, "rules"),
        Case({"rules": "abc"}, "rules"),
    ],
    "action_in": [
        Case({}, "names", args=(5,)),
        Case({}, "names", args=("login", None)),
        Case({"result": "no"}, "result", args=("login",)),
        Case({"result": 0}, "result", args=("login",)),
    ],
    "action_matches": [
        Case({"pattern": "("}, "pattern"),
        Case({"pattern": 5}, "pattern"),
        Case({"pattern": "x", "result": "no"}, "result"),
    ],
    "RiskRule": [
        Case(_ok_rule(name=5), "name"),
        Case(_ok_rule(reason=None), "reason"),
        Case(_ok_rule(severity=1), "severity"),
        Case(_ok_rule(predicate=5), "predicate"),
    ],
    "SettingRule": [
        Case(_setting_rule(name=None), "name"),
        Case(_setting_rule(settings="ssl"), "settings"),
        Case(_setting_rule(settings=[1]), "settings"),
        Case(_setting_rule(order="ab"), "order"),
        Case(_setting_rule(order=None), "order"),
        Case(_setting_rule(normalize=5), "normalize"),
    ],
    "BurstRule": [
        Case(_ok_rule(predicate=None), "predicate"),
        Case(_ok_rule(min_events=0), "min_events"),
        Case(_ok_rule(min_events="5"), "min_events"),
        Case(_ok_rule(min_events=True), "min_events"),
        Case(_ok_rule(window="bogus"), "window"),
        Case(_ok_rule(window="-1min"), "window"),
        Case(_ok_rule(window=None), "window"),
    ],
    # plots
    "plot_activity": _ACTIVITY_PLOT,
    "plot_activity_heatmap": _HEATMAP_PLOT,
    "plot_change_timeline": _TIMELINE_PLOT,
    "plot_actor_summary": [*_TOP, *_AX],
    # panel
    "FilterPanel": _PANEL,
    "FilterPanel.on_change": [
        Case({"callback": 5}, "callback"),
        Case({"callback": print, "remove": "yes"}, "remove"),
    ],
    # accessor
    "df.audit.activity_by_actor": [],
    "df.audit.change_timeline": _FILTERS,
    "df.audit.activity_over_time": [*_FREQ, *_BY, *_TZ],
    "df.audit.activity_heatmap": [*_BY, *_TZ],
    "df.audit.new_ips": _WARMUP,
    "df.audit.risky_changes": _RULES,
    "df.audit.plot_activity": _ACTIVITY_PLOT,
    "df.audit.plot_activity_heatmap": _HEATMAP_PLOT,
    "df.audit.plot_change_timeline": _TIMELINE_PLOT,
    "df.audit.plot_actor_summary": [*_TOP, *_AX],
    "df.audit.panel": _PANEL,
    # elsewhere (already validated; kept so the table stays complete)
    "cache_info": [Case({"cache": 5}, "cache")],
    "clear_cache": [Case({"cache": 5}, "cache")],
    "set_rate_budget": [Case({"requests": 0}, "requests"), Case({"period": -1}, "period")],
    "RetryPolicy": [Case({"max_retries": -1}, "max_retries")],
    "records_to_frame": [Case({}, "records", args=(5,))],
    "concat": [Case({}, "frames", args=(5,)), Case({}, "frames", args=([],))],
    "load_audit_logs": [
        Case({"since": "bogus", "cache": False, "progress": False, **NOWHERE}, "since"),
        Case({"direction": "sideways", "cache": False, "progress": False, **NOWHERE}, "direction"),
        Case({"api": "v9", "cache": False, **NOWHERE}, "api"),
        Case({"api": "v2", "cache": False, **NOWHERE}, "account_id"),
        Case({"api": "v2", "account_id": "a", "exclude": 5, "cache": False, **NOWHERE}, "exclude"),
        Case(
            {"api": "v2", "account_id": "a", "raw_status_code": "x", **NOWHERE}, "raw_status_code"
        ),
        Case({"resource_product": "dns", "cache": False, **NOWHERE}, "resource_product"),
    ],
    "export_audit_logs": [
        Case({"since": "bogus", **NOWHERE}, "since", args=("unused.csv",)),
    ],
    "sync_archive": [
        Case({"overlap": "soon", **NOWHERE}, "overlap", args=("unused-archive",)),
        Case({"wait": -1, **NOWHERE}, "wait", args=("unused-archive",)),
        Case({"since": "bogus", **NOWHERE}, "since", args=("unused-archive",)),
        Case({"actr_email": "x", **NOWHERE}, "actr_email", args=("unused-archive",)),
        Case({**NOWHERE}, "dest", args=(3,)),
        Case({"source": ".", **NOWHERE}, "account_id", args=("unused-archive",)),
        Case({"source": ".", "account_id": "a", "dataset": "x"}, "dataset", args=("unused",)),
    ],
    "read_archive": [
        Case({}, "src", args=(3,)),
        Case({"actr_email": "x"}, "actr_email", args=("unused",)),
    ],
    "read_logpush": [
        Case({}, "src", (3,)),
        Case({}, "src", ("nope://bucket/audit",)),
        Case({"dataset": "audit_log"}, "dataset", (".",)),
        Case({"direction": "up"}, "direction", (".",)),
        Case({"since": "garbage"}, "since", (".",)),
        Case({"since": "2026-11-02", "before": "2026-11-01"}, "since", (".",)),
        Case({"margin": "soon"}, "margin", (".",)),
        Case({"skip_bad": 1}, "skip_bad", (".",)),
        Case({"workers": 0}, "workers", (".",)),
        Case({"progress": "yes"}, "progress", (".",)),
        Case({"storage_options": ["k"]}, "storage_options", (".",)),
        Case({"sinse": "2026-11-01"}, "sinse", (".",)),
    ],
}

#: Public callables that take no argument (nothing to get wrong) or are tested elsewhere.
NOT_IN_TABLE = {
    "empty_frame": "takes no arguments",
    "FilterPanel.reset": "takes no arguments",
    "FilterPanel.hold": "takes no arguments",
    "FilterPanel.summary": "takes no arguments",
    "FilterPanel.chart_data": "takes no arguments",
    "FilterPanel.risky_changes": "takes no arguments",
    "FilterPanel.to_csv": "its argument is validated and tested with its rewrite (tests/test_widgets.py)",
}

#: Entries whose function lives outside the modules this change touches: expected
#: to fail until their module validates too (strict, so a fix makes this fail).
#: (function, parameter) cases that do not raise what they should yet (strict xfails).
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _public_callables() -> set[str]:
    names = set()
    for name in auditkit.__all__:
        obj = getattr(auditkit, name)
        if inspect.ismodule(obj) or not callable(obj):
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            continue  # the exception classes themselves
        names.add(name)
    for name, _ in inspect.getmembers(AuditAccessor, inspect.isfunction):
        if not name.startswith("_"):
            names.add(f"df.audit.{name}")
    from auditkit.panel import FilterPanel

    for name, _ in inspect.getmembers(FilterPanel, inspect.isfunction):
        if not name.startswith("_"):
            names.add(f"FilterPanel.{name}")
    return names


def test_table_covers_the_public_api() -> None:
    public = _public_callables()
    missing = public - TABLE.keys() - NOT_IN_TABLE.keys()
    assert not missing, f"public callables without an entry in TABLE: {sorted(missing)}"
    stale = (TABLE.keys() | NOT_IN_TABLE.keys()) - public
    assert not stale, f"entries for names that are not public: {sorted(stale)}"


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def frame(sb: Any) -> pd.DataFrame:
    df = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=False, progress=False)
    assert len(df) > 0
    return df


@pytest.fixture(scope="module")
def panel(frame: pd.DataFrame) -> Any:
    return auditkit.FilterPanel(frame, chart=False)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _target(name: str, frame: pd.DataFrame, panel: Any) -> tuple[Callable[..., Any], bool]:
    """The callable for a table entry, and whether it takes the frame first."""
    if name.startswith("df.audit."):
        return getattr(frame.audit, name.removeprefix("df.audit.")), False
    if name.startswith("FilterPanel."):
        return getattr(panel, name.removeprefix("FilterPanel.")), False
    func = getattr(auditkit, name)
    params = list(inspect.signature(func).parameters)
    return func, bool(params) and params[0] == "df"


def _check(exc: BaseException, parameter: str) -> None:
    assert isinstance(exc, AuditKitError), f"{type(exc).__name__} is not an AuditKitError: {exc}"
    assert isinstance(exc, InvalidParameterError), f"{type(exc).__name__}: {exc}"
    assert exc.parameter == parameter, f"names {exc.parameter!r}, expected {parameter!r}: {exc}"
    assert parameter in str(exc)
    assert len(str(exc)) < 600, "messages are short (never a frame's repr)"


def _cases() -> Iterator[Any]:
    for name, cases in TABLE.items():
        for i, case in enumerate(cases):
            marks = []
            gap = KNOWN_GAPS.get((name, case.parameter))
            if gap:
                marks.append(pytest.mark.xfail(reason=gap, strict=True))
            yield pytest.param(name, case, id=f"{name}-{case.parameter}-{i}", marks=marks)


@pytest.mark.parametrize(("name", "case"), list(_cases()))
def test_bad_argument(
    name: str, case: Case, frame: pd.DataFrame, panel: Any, tmp_path: Path
) -> None:
    func, takes_frame = _target(name, frame, panel)
    args = (frame, *case.args) if takes_frame else case.args
    if name == "export_audit_logs":
        args = (tmp_path / "out.csv",)
    figures = plt.get_fignums()
    with pytest.raises(Exception) as info:
        func(*args, **case.kwargs)
    _check(info.value, case.parameter)
    assert plt.get_fignums() == figures, "raised before drawing anything"
    if name == "export_audit_logs":
        assert not list(tmp_path.iterdir())


NOT_FRAMES = [5, "frame", [{"id": "a"}], None, pd.Series([1.0]), {"when": []}]
SHORT_FRAMES = {
    "no columns": pd.DataFrame(),
    "unrelated column": pd.DataFrame({"x": [1]}),
    "only when": pd.DataFrame({"when": pd.to_datetime(["2026-10-01"], utc=True)}),
}
FRAME_FUNCS = sorted(
    n
    for n in TABLE
    if not n.startswith(("df.audit.", "FilterPanel."))
    and list(inspect.signature(getattr(auditkit, n)).parameters)[:1] == ["df"]
)
ACCESSOR_METHODS = sorted(n.removeprefix("df.audit.") for n in TABLE if n.startswith("df.audit."))


def test_frame_functions_are_found() -> None:
    assert "FilterPanel" in FRAME_FUNCS
    assert len(FRAME_FUNCS) == 11


@pytest.mark.parametrize("name", FRAME_FUNCS)
@pytest.mark.parametrize("value", NOT_FRAMES, ids=lambda v: type(v).__name__)
def test_not_a_frame(name: str, value: Any) -> None:
    with pytest.raises(Exception) as info:
        getattr(auditkit, name)(value)
    _check(info.value, "df")


@pytest.mark.parametrize(
    ("name", "short"),
    [
        (name, short)
        for short in SHORT_FRAMES
        for name in FRAME_FUNCS
        # the heatmaps need only `when`: that frame is a valid one for them
        if not (short == "only when" and name in ("activity_heatmap", "plot_activity_heatmap"))
    ],
    ids=str,
)
def test_frame_missing_columns(name: str, short: str) -> None:
    with pytest.raises(Exception) as info:
        getattr(auditkit, name)(SHORT_FRAMES[short])
    _check(info.value, "df")
    assert "missing" in str(info.value)


def test_frame_with_duplicate_columns(frame: pd.DataFrame) -> None:
    doubled = pd.concat([frame, frame[["when"]]], axis=1)
    for name in FRAME_FUNCS:
        with pytest.raises(Exception) as info:
            getattr(auditkit, name)(doubled)
        _check(info.value, "df")


@pytest.mark.parametrize("method", ACCESSOR_METHODS)
@pytest.mark.parametrize("value", NOT_FRAMES[:3], ids=lambda v: type(v).__name__)
def test_accessor_on_a_non_frame(method: str, value: Any) -> None:
    with pytest.raises(Exception) as info:
        getattr(AuditAccessor(value), method)()
    _check(info.value, "df")


@pytest.mark.parametrize("method", ACCESSOR_METHODS)
@pytest.mark.parametrize("short", ["no columns", "unrelated column"])
def test_accessor_on_a_short_frame(method: str, short: str) -> None:
    with pytest.raises(Exception) as info:
        getattr(SHORT_FRAMES[short].audit, method)()
    _check(info.value, "df")


def test_by_actor_needs_the_actor_columns() -> None:
    only_when = SHORT_FRAMES["only when"]
    for func in (auditkit.activity_over_time, auditkit.plot_activity):
        with pytest.raises(InvalidParameterError, match="actor_email") as info:
            func(only_when)
        assert info.value.parameter == "df"
    with pytest.raises(InvalidParameterError, match="actor_email"):
        auditkit.activity_heatmap(only_when, by="actor")


def test_invalid_parameter_is_still_a_value_error() -> None:
    with pytest.raises(ValueError, match="top"):
        auditkit.plot_actor_summary(auditkit.empty_frame(), top=0)


def test_valid_variants_still_work(frame: pd.DataFrame) -> None:
    """The accepted neighbours of the rejected values keep working."""
    assert len(auditkit.activity_over_time(frame, freq=pd.offsets.Day())) > 0
    assert len(auditkit.activity_over_time(frame, freq="2W-MON", tz="Europe/Berlin")) > 0
    assert len(auditkit.change_timeline(frame, setting=(s for s in ["ssl"]))) >= 0
    assert len(auditkit.new_ips(frame, warmup=pd.Timedelta(0))) > 0
    assert len(auditkit.risky_changes(frame, rules=iter(DEFAULT_RULES))) > 0
    SettingRule(**_setting_rule(settings=["ssl"], order=["off", "on"]))
    BurstRule(**_ok_rule(min_events=1, window="0s"))
    import matplotlib as mpl

    auditkit.plot_activity_heatmap(frame, cmap=mpl.colormaps["magma"])


# The panel reads only the days of `when` and shows non-times as no date: not an error there.
@pytest.mark.parametrize("name", [n for n in FRAME_FUNCS if n != "FilterPanel"])
@pytest.mark.parametrize(
    "values",
    [
        pd.Series([True, False]),
        pd.Series(pd.to_timedelta(["1D", "2D"])),
        pd.Series(pd.period_range("2026-10", periods=2, freq="M")),
    ],
    ids=["bools", "timedeltas", "periods"],
)
def test_when_column_that_is_not_times(name: str, values: pd.Series) -> None:
    df = auditkit.empty_frame().reindex(range(len(values)))
    df["when"] = values
    with pytest.raises(Exception) as info:
        getattr(auditkit, name)(df)
    _check(info.value, "df")
    assert "'when'" in str(info.value)


def test_odd_but_valid_values_do_not_crash() -> None:
    """A change without resource type or name, and list values: no foreign exception."""
    df = auditkit.records_to_frame(
        [
            {
                "id": "s",
                "when": "2026-10-01T09:00:00Z",
                "action": {"type": "change_setting"},
                "oldValue": "high",
                "newValue": "low",
                "metadata": {"name": "security_level"},
            }
        ]
    )
    ax = auditkit.plot_change_timeline(df)
    assert [t.get_text() for t in ax.texts] == ["high -> low"]
    listed = df.assign(old_value=pd.Series([[1, 2]], dtype=object))
    panel = auditkit.FilterPanel(listed, chart=False)
    assert "[1, 2] → low" in panel._table.value

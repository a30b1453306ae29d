"""The ``df.audit`` accessor is built from the functions: same parameters, docs, results."""

from __future__ import annotations

import inspect
import pydoc
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import auditkit
from auditkit import analysis, plotting
from auditkit._accessor import AuditAccessor

#: Every accessor method but ``panel`` (which forwards ``**kwargs`` to FilterPanel).
METHODS = sorted(
    name
    for name, _ in inspect.getmembers(AuditAccessor, inspect.isfunction)
    if not name.startswith("_") and name != "panel"
)


def _function(name: str) -> Callable[..., Any]:
    func = getattr(analysis, name, None) or getattr(plotting, name)
    assert callable(func)
    return func


@pytest.fixture(scope="module")
def frame(sb: Any) -> pd.DataFrame:
    df = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=False, progress=False)
    assert len(df) > 1000
    return df


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_every_analysis_and_plot_is_a_method() -> None:
    expected = sorted([*analysis.REQUIRED_COLUMNS, *plotting.__all__])
    assert expected == METHODS
    assert len(METHODS) == 10


@pytest.mark.parametrize("name", METHODS)
def test_signature_is_the_function_minus_df(name: str) -> None:
    func = _function(name)
    params = list(inspect.signature(func).parameters.values())
    assert params[0].name == "df"
    expected = inspect.signature(func).replace(parameters=params[1:])
    df = auditkit.empty_frame()
    assert inspect.signature(getattr(df.audit, name)) == expected
    # on the class: the same with ``self`` first
    on_class = inspect.signature(getattr(AuditAccessor, name))
    assert next(iter(on_class.parameters)) == "self"
    assert on_class.replace(parameters=list(on_class.parameters.values())[1:]) == expected


@pytest.mark.parametrize("name", METHODS)
def test_help_shows_the_function(name: str) -> None:
    func = _function(name)
    method = getattr(auditkit.empty_frame().audit, name)
    assert method.__doc__ == func.__doc__
    assert method.__name__ == name
    assert method.__wrapped__ is func
    text = pydoc.render_doc(method, renderer=pydoc.plaintext)
    assert str(inspect.signature(method)) in text
    assert func.__doc__ is not None
    assert func.__doc__.strip().splitlines()[0] in text


#: Arguments for each method on the sandbox frame (besides the defaults).
ARGUMENTS: dict[str, list[dict[str, Any]]] = {
    "activity_by_actor": [{}],
    "change_timeline": [{}, {"setting": "ssl"}, {"zone_name": ["example.com"]}],
    "activity_over_time": [{}, {"freq": "W", "by": "interface"}, {"by": None, "tz": "UTC"}],
    "activity_heatmap": [{}, {"by": "actor"}, {"tz": "Europe/Berlin"}],
    "new_ips": [{}, {"warmup": "0D"}],
    "risky_changes": [{}, {"rules": [], "extra_rules": analysis.DEFAULT_RULES[-1:]}],
    "plot_activity": [{}, {"freq": "W", "by": None, "top": 3}],
    "plot_activity_heatmap": [{}, {"cmap": "magma"}],
    "plot_change_timeline": [{}, {"setting": "ssl", "max_rows": 5}],
    "plot_actor_summary": [{}, {"top": 4}],
}


def test_arguments_cover_every_method() -> None:
    assert sorted(ARGUMENTS) == METHODS


def _axes_fingerprint(ax: Any) -> Any:
    """What a plot shows: titles, labels, ticks, texts, line and patch geometry."""
    return (
        ax.get_title(),
        ax.get_xlabel(),
        ax.get_ylabel(),
        [t.get_text() for t in ax.get_xticklabels()],
        [t.get_text() for t in ax.get_yticklabels()],
        [t.get_text() for t in ax.texts],
        [line.get_xydata().tolist() for line in ax.lines],
        [(p.get_x(), p.get_y(), p.get_width(), p.get_height()) for p in ax.patches],
        [type(c).__name__ for c in ax.collections],
    )


@pytest.mark.parametrize("name", METHODS)
def test_result_is_the_functions(name: str, frame: pd.DataFrame) -> None:
    func = _function(name)
    for kwargs in ARGUMENTS[name]:
        got = getattr(frame.audit, name)(**kwargs)
        expected = func(frame, **kwargs)
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(got, expected)
        else:
            assert _axes_fingerprint(got) == _axes_fingerprint(expected), kwargs


def test_positional_arguments_pass_through(frame: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        frame.audit.activity_over_time("W", "interface"),
        analysis.activity_over_time(frame, "W", "interface"),
    )
    pd.testing.assert_frame_equal(frame.audit.new_ips("1D"), analysis.new_ips(frame, "1D"))
    with pytest.raises(TypeError):
        frame.audit.new_ips("1D", "extra")
    with pytest.raises(TypeError):
        frame.audit.activity_heatmap(nope=1)


def test_missing_columns_are_checked_first() -> None:
    only_when = pd.DataFrame({"when": pd.to_datetime(["2026-10-01"], utc=True)})
    with pytest.raises(ValueError, match=r"df\.audit\.activity_heatmap\(\) needs .*'actor_email'"):
        only_when.audit.activity_heatmap(by="actor")
    with pytest.raises(ValueError, match=r"df\.audit\.plot_activity\(\) needs .*'actor_id'"):
        only_when.audit.plot_activity()
    with pytest.raises(ValueError, match=r"^by: "):
        only_when.audit.activity_over_time(by=5)
    assert plt.get_fignums() == []
    assert only_when.audit.activity_heatmap().to_numpy().sum() == 1


def test_actor_columns_are_public() -> None:
    assert analysis.ACTOR_COLUMNS == ("actor_email", "actor_id")
    assert not hasattr(analysis, "_ACTOR_COLUMNS")
    source = inspect.getsource(sys.modules["auditkit._accessor"])
    assert "analysis._" not in source


def test_import_imports_neither_matplotlib_nor_ipywidgets() -> None:
    code = (
        "import sys, auditkit, auditkit._accessor, inspect\n"
        "import pandas as pd\n"
        "inspect.signature(auditkit.empty_frame().audit.plot_activity)\n"
        "bad = [m for m in ('matplotlib', 'ipywidgets', 'auditkit.panel') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""The notebooks run top to bottom, without a token or network, in under 60 s each."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _execute(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple:
    for var in [v for v in os.environ if v.startswith("CLOUDFLARE_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb, time.perf_counter() - start


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out["text"])
            elif "data" in out:
                parts.append(str(out["data"].get("text/plain", "")))
    return "\n".join(parts)


def _outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def _ran(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[dict], str]:
    """The notebook ``name`` run end to end in under a minute, no cell failing: the
    notebook, its outputs and their text."""
    nb, seconds = _execute(name, tmp_path, monkeypatch)
    assert seconds < 60, f"{name} took {seconds:.1f} s"
    outputs = _outputs(nb)
    assert not [o for o in outputs if o["output_type"] == "error"]
    return nb, outputs, _text(nb)


def test_quickstart_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, outputs, text = _ran("quickstart", tmp_path, monkeypatch)
    assert "source: sandbox at http://127.0.0.1:" in text
    assert " failed actions" in text
    # every plot rendered, and the panel was displayed as a widget
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 4
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs)
    assert "widgets" in str(nb.metadata)  # nbclient stored the widget state
    assert not list(tmp_path.glob("*.csv"))  # running it writes nothing


def test_investigate_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, outputs, text = _ran("investigate", tmp_path, monkeypatch)
    # The sandbox's story: tom's account used from 203.0.113.66 against example.com.
    assert "Widest range of high-severity findings: tom@example.org" in text
    assert "most findings on zone example.com" in text
    assert "203.0.113.66" in text
    assert any(WIDGET_VIEW in o.get("data", {}) for o in outputs)


def test_investigate_v2_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, outputs, text = _ran("investigate_v2", tmp_path, monkeypatch)
    assert "entries in 2 accounts" in text and "source: sandbox at http://127.0.0.1:" in text
    assert "terraform-ci" in text and "Northwind Traders" in text
    assert "203.0.113.66" in text  # the compromised account's address, among the failures
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 1


def test_archive_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, text = _ran("archive", tmp_path, monkeypatch)
    from auditkit.archive import info, read_archive

    held = info(tmp_path / "audit-archive")
    # The Logpush sync at the end adds nothing (the same entries), so the first sync
    # added everything the archive holds.
    assert f"archived {held.rows:,} new entries on {held.days} days" in text
    assert "archived 0 new entries on 0 days (0 files, 0 bytes)" in text  # the second sync
    assert text.count("archived 0 new entries") == 2  # and the Logpush sync
    assert "tom@example.org" in text  # DuckDB's top actors, and the incident week's findings
    assert f"{len(read_archive(tmp_path / 'audit-archive')):,} entries: " in text
    assert not list((tmp_path / "audit-archive").rglob("*.tmp"))


@pytest.mark.parametrize("name", ["quickstart", "investigate", "investigate_v2", "archive"])
def test_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert "widgets" not in nb.metadata
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", ["quickstart", "investigate", "investigate_v2", "archive"])
def test_notebooks_match_their_generator(name: str) -> None:
    spec = importlib.util.spec_from_file_location("_nb_build", NOTEBOOKS / "_build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    committed = (NOTEBOOKS / f"{name}.ipynb").read_text()
    assert committed == build.render(name), "run: python notebooks/_build.py"


def test_a_real_token_never_reaches_the_saved_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With CLOUDFLARE_API_TOKEN set the quickstart takes the real-account path; the token
    must appear nowhere in the executed notebook as it would be saved (every output, every
    mimetype, widget state and metadata included)."""
    from auditkit import sandbox

    canary = "tok-NotebookCanary-5e4d3c2b1a09f8e7d6c5b4a3"
    with sandbox.start(token=canary) as server:
        nb = nbformat.read(NOTEBOOKS / "quickstart.ipynb", as_version=4)
        for var in [v for v in os.environ if v.startswith("CLOUDFLARE_")]:
            monkeypatch.delenv(var)
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", canary)
        monkeypatch.setenv("CLOUDFLARE_BASE_URL", server.base_url)
        monkeypatch.setenv("AUDITKIT_CACHE", str(tmp_path / "cache.sqlite"))
        client = nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        )
        client.execute()
        served = [r for r in server.requests if r.audit_log]
    saved = nbformat.writes(nb)
    assert served and all(r.auth == "token" for r in served)  # it really used the token
    assert "source: sandbox" not in _text(nb)
    assert canary not in saved
    assert canary.encode().hex() not in saved

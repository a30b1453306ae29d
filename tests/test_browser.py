"""End to end: the quickstart notebook's panel in a real headless Chromium.

Voila serves ``notebooks/quickstart.ipynb`` on 127.0.0.1 (it runs the notebook
against the sandbox: no token, no network), Playwright drives Debian's Chromium
(``/usr/bin/chromium``; Playwright's own browser download is not used), and the
test checks that the panel's controls render, picks one actor and waits for the
shown count to become that actor's count. The server and browser helpers are
those of ``scripts/render_panel_png.py``. The test's screenshot goes to its
temporary directory only: it never rewrites the tracked ``docs/panel.png``
(``python scripts/render_panel_png.py`` does, in ``make docs``).

Run it alone with::

    python -m pytest -m browser tests/test_browser.py

It is skipped, with the reason, only when ``/usr/bin/chromium`` or the
``playwright`` package is missing (``scripts/ci-browser-deps.sh`` installs
Chromium).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # pragma: no cover - skipped below
    HAVE_PLAYWRIGHT = False
else:
    HAVE_PLAYWRIGHT = True

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
TRACKED_PNG = ROOT / "docs" / "panel.png"


def _load_script() -> ModuleType:
    path = ROOT / "scripts" / "render_panel_png.py"
    spec = importlib.util.spec_from_file_location("render_panel_png", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is not installed (run: bash scripts/ci-browser-deps.sh)",
    ),
    pytest.mark.skipif(
        not HAVE_PLAYWRIGHT, reason="playwright is not installed (pip install playwright)"
    ),
]


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture()
def voila_url(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with script.serve_notebook(tmp_path) as served:
        yield served


def _count(page) -> int:
    text = page.locator(".auditkit-count b").first.inner_text()
    return int(text.replace(",", ""))


def test_panel_in_chromium(voila_url: tuple[str, Path], tmp_path: Path) -> None:
    url, log = voila_url
    tracked_before = _digest(TRACKED_PNG)
    with script.open_browser(tmp_path) as page:
        try:
            panel = script.open_panel(page, url)

            # Every control renders, the multi-choice ones with counted options.
            for name in ("actor", "action-type", "resource-type", "zone", "interface"):
                options = page.locator(f".auditkit-{name} select option")
                assert options.count() > 0, name
                assert re.search(r"\s\([\d,]+\)$", options.first.inner_text()), name
            assert page.locator(".auditkit-result button").count() == 3
            assert page.locator(".auditkit-date-range").is_visible()
            assert page.locator(".auditkit-search input").is_visible()
            assert page.locator(".auditkit-chart svg").is_visible()
            assert page.locator(".auditkit-rows table tbody tr").count() == 10
            assert page.locator(".auditkit-export").is_visible()
            assert page.locator(".auditkit-resource input").is_visible()
            assert page.locator(".auditkit-risky-row").count() == 8
            assert "Risky changes:" in page.locator(".auditkit-risky-title").inner_text()

            total = _count(page)
            assert total > 1000
            # Pick tom (or, on other data, the second actor); its label ends in its count.
            labels = page.locator(".auditkit-actor select option").all_inner_texts()
            label = next((t for t in labels if t.startswith("tom@")), labels[1])
            expected = int(re.search(r"\(([\d,]+)\)$", label).group(1).replace(",", ""))
            page.locator(".auditkit-actor select").select_option(label=label)
            page.wait_for_function(
                "(old) => (document.querySelector('.auditkit-count b')?.textContent || old)"
                " !== old",
                arg=f"{total:,}",
                timeout=30_000,
            )
            assert _count(page) == expected < total
            page.wait_for_timeout(300)  # let the chart and tables repaint
            errors = page.locator(".auditkit-errors").inner_text()
            assert "Traceback" not in errors, errors

            shot = tmp_path / "panel.png"
            panel.screenshot(path=str(shot))
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            print(log.read_text()[-5000:])
            raise
    assert shot.stat().st_size > 10_000
    assert _digest(TRACKED_PNG) == tracked_before  # docs/panel.png untouched

"""End to end: the quickstart notebook's panel in a real headless Chromium.

Voila serves ``notebooks/quickstart.ipynb`` on 127.0.0.1 (it runs the notebook
against the sandbox: no token, no network), Playwright drives Debian's Chromium
(``/usr/bin/chromium``; Playwright's own browser download is not used), and the
test checks that the panel's controls render, picks one actor and waits for the
shown count to become that actor's count. The panel is saved to ``docs/panel.png``
(the README's screenshot).

Run it alone with::

    python -m pytest -m browser tests/test_browser.py

It is skipped, with the reason, only when ``/usr/bin/chromium`` or the
``playwright`` package is missing (``scripts/ci-browser-deps.sh`` installs
Chromium).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - skipped below
    sync_playwright = None

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "panel.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is not installed (run: bash scripts/ci-browser-deps.sh)",
    ),
    pytest.mark.skipif(
        sync_playwright is None, reason="playwright is not installed (pip install playwright)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"voila exited with {proc.returncode}:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"voila did not listen on {port} in {timeout} s:\n{log.read_text()}")


@pytest.fixture()
def voila_url(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    log = tmp_path / "voila.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(ROOT / "notebooks" / "quickstart.ipynb"),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for_port(port, proc, log, timeout=60)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _count(page) -> int:
    text = page.locator(".auditkit-count b").first.inner_text()
    return int(text.replace(",", ""))


def test_panel_in_chromium(voila_url: tuple[str, Path], tmp_path: Path) -> None:
    url, log = voila_url
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1320, "height": 1000},
        )
        page = context.pages[0] if context.pages else context.new_page()
        try:
            page.goto(url, wait_until="domcontentloaded", timeout=90_000)
            panel = page.locator(".auditkit-panel")
            panel.wait_for(state="visible", timeout=90_000)
            page.wait_for_function(
                "() => /entries match/.test("
                "document.querySelector('.auditkit-count')?.textContent || '')",
                timeout=30_000,
            )

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
        finally:
            context.close()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)
    assert SCREENSHOT.stat().st_size > 10_000

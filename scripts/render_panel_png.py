"""Render the README's picture of the filter panel, ``docs/panel.png``, in headless Chromium.

Voila serves ``notebooks/quickstart.ipynb`` on 127.0.0.1 (the notebook runs
against the sandbox: no token, no network), Playwright drives Debian's Chromium
(``/usr/bin/chromium``; Playwright's own browser download is not used), waits
for the panel's count, filters it to the incident's actor (``tom@example.org``)
and screenshots the panel. This is the one step that
writes the tracked ``docs/panel.png`` (``make docs``); the browser test
(``tests/test_browser.py``) uses the same helpers and writes to a temporary
directory only.

Run::

    python scripts/render_panel_png.py                 # writes docs/panel.png
    python scripts/render_panel_png.py -o /tmp/p.png   # anywhere else

Needs ``playwright`` and ``/usr/bin/chromium`` (``bash scripts/ci-browser-deps.sh``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
OUTPUT = ROOT / "docs" / "panel.png"
VIEWPORT = {"width": 1320, "height": 1800}  # the whole panel fits: no scrolled-out parts
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


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[Any], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"voila exited with {proc.returncode}:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"voila did not listen on {port} in {timeout} s:\n{log.read_text()}")


@contextlib.contextmanager
def serve_notebook(workdir: Path, notebook: Path = NOTEBOOK) -> Iterator[tuple[str, Path]]:
    """Voila serving ``notebook`` on 127.0.0.1: yields its URL and its log file (in ``workdir``)."""
    port = free_port()
    log = workdir / "voila.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")}
    env["JUPYTER_RUNTIME_DIR"] = str(workdir / "runtime")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
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


@contextlib.contextmanager
def open_browser(workdir: Path) -> Iterator[Any]:
    """A Playwright page in headless Chromium, with its profile in ``workdir``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(workdir / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def open_panel(page: Any, url: str) -> Any:
    """Load ``url`` and wait until the panel shows its count; return the panel's locator."""
    page.goto(url, wait_until="domcontentloaded", timeout=90_000)
    panel = page.locator(".auditkit-panel")
    panel.wait_for(state="visible", timeout=90_000)
    page.wait_for_function(
        "() => /entries match/.test(document.querySelector('.auditkit-count')?.textContent || '')",
        timeout=30_000,
    )
    return panel


def pick_actor(page: Any, prefix: str) -> None:
    """Select the first actor whose label starts with ``prefix``; wait for the count to follow."""
    labels = page.locator(".auditkit-actor select option").all_inner_texts()
    label = next((t for t in labels if t.startswith(prefix)), None)
    if label is None:
        return
    before = page.locator(".auditkit-count b").first.inner_text()
    page.locator(".auditkit-actor select").select_option(label=label)
    page.wait_for_function(
        "(old) => (document.querySelector('.auditkit-count b')?.textContent || old) !== old",
        arg=before,
        timeout=30_000,
    )


def render(output: Path = OUTPUT) -> Path:
    """Screenshot the quickstart notebook's panel to ``output``; return ``output``."""
    with tempfile.TemporaryDirectory(prefix="auditkit-panel-png-") as tmp:
        work = Path(tmp)
        with serve_notebook(work) as (url, log), open_browser(work) as page:
            try:
                panel = open_panel(page, url)
                pick_actor(page, "tom@")
                page.wait_for_timeout(500)  # let the chart and tables paint
                errors = page.locator(".auditkit-errors").inner_text()
                if "Traceback" in errors:
                    raise RuntimeError(f"the panel shows an error:\n{errors}")
                shot = work / "panel.png"
                panel.screenshot(path=str(shot))
            except Exception:
                print(log.read_text()[-5000:], file=sys.stderr)
                raise
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="PNG to write")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run bash scripts/ci-browser-deps.sh", file=sys.stderr)
        return 2
    path = render(args.output)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

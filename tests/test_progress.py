"""Progress output: off when nobody watches, on when asked, counts only."""

from __future__ import annotations

from typing import Any

import pytest

from auditkit import load_audit_logs
from auditkit._progress import Progress


def test_progress_true_draws_a_bar_on_stderr(sb: Any, capsys: Any) -> None:
    df = load_audit_logs(
        base_url=sb.base_url,
        token=sb.token,
        since="2026-10-01",
        before="2026-10-05",
        cache=False,
        progress=True,
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "audit logs" in captured.err and "4/4" in captured.err
    assert f"entries={len(df)}" in captured.err
    assert sb.token not in captured.err


def test_progress_auto_is_silent_when_not_interactive(sb: Any, capsys: Any) -> None:
    load_audit_logs(
        base_url=sb.base_url, token=sb.token, since="2026-10-01", before="2026-10-05", cache=False
    )
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_rejects_non_bool() -> None:
    with pytest.raises(ValueError, match="progress"):
        Progress("yes", total=1)  # type: ignore[arg-type]

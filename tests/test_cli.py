"""The auditkit command: fetch, sandbox, cache; credentials only from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from auditkit.cli import main


@pytest.fixture()
def env(sb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", sb.token)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", sb.base_url)
    return sb


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_fetch_writes_every_format(env: Any, tmp_path: Path, suffix: str, capsys: Any) -> None:
    out = tmp_path / f"logs{suffix}"
    code = main(
        ["fetch", "--since", "2026-10-01", "--before", "2026-10-15", "-o", str(out), "--quiet"]
    )
    assert code == 0
    expected = [r["id"] for r in env.records if "2026-10-01" <= r["when"][:10] < "2026-10-15"]
    if suffix == ".parquet":
        got = pd.read_parquet(out)
        assert str(got["metadata"].dtype) == "json"  # the json dtype comes back
        assert isinstance(got.loc[0, "metadata"], dict | list | type(None))
    elif suffix == ".csv":
        got = pd.read_csv(out)
    else:
        got = pd.DataFrame([json.loads(line) for line in out.read_text().splitlines()])
    assert sorted(got["id"]) == sorted(expected)
    assert not list(tmp_path.glob(".*.part"))
    assert capsys.readouterr().out == ""


def test_fetch_prints_a_summary(env: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "x.csv"
    assert main(["fetch", "--action-type", "login", "--no-cache", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    n = sum(1 for r in env.records if r["action"]["type"] == "login")
    assert text.startswith(f"wrote {n} entries to {out}")
    assert env.token not in text


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["fetch", "-o", "x.txt"], "--output"),
        (["fetch", "-o", "x.csv", "--since", "garbage"], "--since: "),
        (["fetch", "-o", "x.csv", "--actor-ip", "1.2.3.999"], "--actor-ip: "),
        (["fetch", "-o", "x.csv", "--per-page", "5000"], "--per-page: "),
        (["fetch", "-o", "x.csv", "--per-page", "ten"], "--per-page"),
        (["fetch", "-o", "x.csv", "--direction", "up"], "--direction: "),
        (["fetch", "-o", "/no/such/dir/x.csv"], "--output"),
        (["fetch", "-o", "x.csv", "--no-cache", "--cache", "c.sqlite"], "--no-cache"),
        (["fetch", "-o", "x.csv", "--before", "2026-99-01"], "--before: "),
        (["fetch", "-o", "x.csv", "--since", "2026-10-02", "--before", "2026-10-01"], "--since: "),
        (["fetch", "-o", "x.csv", "--actor-email", ""], "--actor-email: "),
        (["fetch", "-o", "x.csv", "--action-type", ""], "--action-type: "),
        (["fetch", "-o", "x.csv", "--zone-name", ""], "--zone-name: "),
        (["fetch", "-o", "x.csv", "--id", ""], "--id: "),
        (["fetch", "-o", "x.csv", "--account-id", "a/b"], "--account-id: "),
        (["fetch", "-o", "x.csv", "--base-url", "ftp://x"], "--base-url: "),
        (["fetch", "-o", "x.csv", "--cache", "/"], "--cache: "),
        (["sandbox", "--port", "99999"], "--port"),
        (["sandbox", "--port", "http"], "--port"),
        (["sandbox", "--seed", "abc"], "--seed"),
        (["sandbox", "--host", "0.0.0.0"], "--host"),
        (["demo", "--out", "/dev/null"], "--out"),
    ],
)
def test_bad_arguments_are_usage_errors_naming_the_option(
    env: Any, argv: list[str], needle: str, capsys: Any
) -> None:
    before = len(env.requests)
    assert main(argv) == 2
    assert needle in capsys.readouterr().err
    assert len(env.requests) == before


@pytest.mark.parametrize("option", ["--token", "--api-key", "--email"])
def test_credentials_are_refused_as_arguments_and_not_echoed(option: str, capsys: Any) -> None:
    secret = "s3cr3t-value-that-must-not-echo"
    assert main(["fetch", "-o", "x.csv", option, secret]) == 2
    err = capsys.readouterr().err
    assert "environment" in err and secret not in err
    assert main(["fetch", "-o", "x.csv", f"{option}={secret}"]) == 2
    assert secret not in capsys.readouterr().err


def test_unknown_arguments_are_not_echoed(capsys: Any) -> None:
    with pytest.raises(SystemExit) as info:
        main(["fetch", "-o", "x.csv", "--bearer", "s3cr3t-xyz"])
    assert info.value.code == 2
    assert "s3cr3t-xyz" not in capsys.readouterr().err


def test_missing_credentials_exit_1_with_help(sb: Any, tmp_path: Path, capsys: Any) -> None:
    assert main(["fetch", "-o", str(tmp_path / "x.csv"), "--base-url", sb.base_url]) == 1
    err = capsys.readouterr().err
    assert "MissingCredentialsError" in err and "sandbox" in err


def test_cache_info_and_clear(env: Any, tmp_path: Path, capsys: Any) -> None:
    cache = tmp_path / "c.sqlite"
    out = tmp_path / "x.csv"
    argv = ["fetch", "--since", "2026-09-01", "--before", "2026-09-03", "--quiet"]
    assert main([*argv, "--cache", str(cache), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["cache", "info", "--cache", str(cache)]) == 0
    # two closed days are fetched as one range: one cached page
    assert capsys.readouterr().out.startswith("1 cached page, ")
    assert main(["cache", "clear", "--cache", str(cache)]) == 0
    assert capsys.readouterr().out.strip() == "removed 1 cached page"


def test_sandbox_command_serves_until_stopped(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditkit", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        assert first.startswith("auditkit sandbox running at http://127.0.0.1:")
        base_url = first.rsplit(" ", 1)[1].strip()
        assert base_url.endswith("/client/v4")
        token = second.rsplit(" ", 1)[1].strip()
        resp = requests.get(
            f"{base_url}/user/audit_logs",
            params={"per_page": 5},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert resp.status_code == 200 and len(resp.json()["result"]) == 5
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cache_action_must_be_info_or_clear(capsys: Any) -> None:
    with pytest.raises(SystemExit) as info:
        main(["cache", "purge"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err and "info" in err and "clear" in err

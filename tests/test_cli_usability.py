"""The CLI's usability (issue 13): --version, hints after an empty load, misspellings,
``findings``, plurals and errors naming options as typed.

Over real HTTP against the sandbox on loopback (``anchor="2026-11-30"``); the
credential comes from the environment, as the CLI reads it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import sandbox
from auditkit._suggest import close_matches, did_you_mean, plural
from auditkit._vocabulary import cached_values, empty_load_hints, vocabulary
from auditkit.cli import main
from auditkit.errors import AuditKitError, InvalidParameterError

OCTOBER = ("--since", "2026-10-01", "--before", "2026-11-01")


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with sandbox.start(anchor="2026-11-30") as server:
        yield server


@pytest.fixture()
def env(sb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", sb.token)
    return sb


def run(sb: Any, *argv: str) -> int:
    """``auditkit <argv> --base-url <sandbox>``."""
    return main([*argv, "--base-url", sb.base_url])


def load(sb: Any, **kwargs: Any) -> pd.DataFrame:
    return auditkit.load_audit_logs(
        base_url=sb.base_url, token=sb.token, cache=False, progress=False, **kwargs
    )


# ------------------------------------------------------------------ 1. --version


def test_version_prints_the_package_version_and_exits_0(capsys: Any) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"auditkit {auditkit.__version__}\n"


def test_version_from_the_installed_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "auditkit", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("CLOUDFLARE_")},
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "auditkit 0.1.0\n", "")
    assert auditkit.__version__ == "0.1.0"


# ------------------------------------------------------------------ 2. empty loads: a hint


def test_an_unknown_action_type_says_so_on_stderr_without_a_request_of_its_own(
    env: Any, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "x.csv"
    sent = len(env.requests)
    reference = load(env, action_type="bogus_action")  # the load alone
    load_requests = len(env.requests) - sent
    assert len(reference) == 0 and load_requests == reference.attrs["requests"]
    sent = len(env.requests)
    assert run(env, "fetch", "--action-type", "bogus_action", "--no-cache", "-o", str(out)) == 0
    assert len(env.requests) - sent == load_requests  # the hint sent nothing
    captured = capsys.readouterr()
    assert captured.err == (
        "auditkit fetch: no entries matched; --action-type 'bogus_action' is not a value "
        "auditkit has seen (among the values it knows of)\n"
    )
    assert captured.out.startswith(f"wrote 0 entries to {out} (")
    assert pd.read_csv(out).empty


def test_a_close_value_gets_a_did_you_mean(env: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "x.csv"
    argv = ["fetch", "--action-type", "change setting", "--no-cache", "--quiet", "-o", str(out)]
    assert run(env, *argv) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "auditkit fetch: no entries matched; --action-type 'change setting' is not a value "
        "auditkit has seen (among the values it knows of); did you mean change_setting?\n"
    )


def test_a_known_value_or_a_nonempty_load_gets_no_hint(
    env: Any, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "x.csv"
    before_history = ("--since", "2026-01-01", "--before", "2026-01-02")
    assert run(env, "fetch", "--action-type", "login", *before_history, "--no-cache",
               "--quiet", "-o", str(out)) == 0  # fmt: skip
    assert pd.read_csv(out).empty
    assert run(env, "fetch", "--action-type", "login", *OCTOBER, "--no-cache", "--quiet",
               "-o", str(out)) == 0  # fmt: skip
    assert len(pd.read_csv(out)) == len(load(env, action_type="login", since=OCTOBER[1],
                                             before=OCTOBER[3])) > 0  # fmt: skip
    assert capsys.readouterr().err == ""


def test_the_cache_is_part_of_the_vocabulary(env: Any, tmp_path: Path, capsys: Any) -> None:
    cache, out = tmp_path / "c.sqlite", tmp_path / "x.csv"
    typo = ("--zone-name", "exampel.com", *OCTOBER, "-o", str(out))
    # No cache: zone names have no vocabulary of their own, so no hint.
    assert run(env, "fetch", *typo, "--no-cache", "--quiet") == 0
    assert capsys.readouterr().err == ""
    # A load of October fills the cache; its zone names are now known.
    assert run(env, "fetch", *OCTOBER, "--cache", str(cache), "--quiet", "-o", str(out)) == 0
    zones = set(pd.read_csv(out)["zone_name"].dropna())
    assert "example.com" in zones
    assert cached_values(cache, ["zone_name"]) == {"zone_name": zones}
    info = auditkit.cache_info(cache)
    sent = len(env.requests)
    assert run(env, "fetch", *typo, "--cache", str(cache)) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "auditkit fetch: no entries matched; --zone-name 'exampel.com' is not a value "
        "auditkit has seen (in the cache or among the values it knows of); "
        "did you mean example.com?\n"
    )
    assert captured.out == f"wrote 0 entries to {out} (1 request, 0 of 1 page from cache)\n"
    assert len(env.requests) - sent == 1  # the load's one request; the hint read the file
    pd.testing.assert_frame_equal(
        auditkit.cache_info(cache)[["endpoint", "entries"]].iloc[: len(info)],
        info[["endpoint", "entries"]],
    )


def test_v2_filters_are_hinted_too(env: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "x.jsonl"
    argv = ["fetch", "--api", "v2", "--account-id", env.account_ids[0], *OCTOBER,
            "--resource-product", "dnss", "--resource-product", "wafx", "--no-cache",
            "--quiet", "-o", str(out)]  # fmt: skip
    assert run(env, *argv) == 0
    assert out.read_text() == ""
    assert capsys.readouterr().err.splitlines() == [
        "auditkit fetch: no entries matched; --resource-product 'dnss' is not a value "
        "auditkit has seen (among the values it knows of); did you mean dns?",
        "auditkit fetch: no entries matched; --resource-product 'wafx' is not a value "
        "auditkit has seen (among the values it knows of); did you mean waf?",
    ]


def test_the_vocabulary_is_schema_sandbox_and_cache() -> None:
    assert {"create", "update", "delete", "view"} <= vocabulary("action_type")  # V2's known
    assert {"login", "change_setting", "rec_add"} <= vocabulary("action_type")  # the sandbox
    assert vocabulary("actor_context") == set(auditkit.frame.V2.column("actor_context").known)
    assert vocabulary("zone_name") == set()  # the synthetic zones say nothing of a real account
    assert vocabulary("zone_name", ["example.com"]) == {"example.com"}
    assert empty_load_hints({"action_type": ["login", "chnge_setting"], "id": "x"}) == [
        ("action_type", "chnge_setting", ["change_setting"])
    ]
    assert empty_load_hints({"actor_email": "a@example.com"}) == []  # no vocabulary, no hint
    assert empty_load_hints({"action_type": None}) == []


def test_a_damaged_cache_gives_no_vocabulary_and_is_left_alone(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    cache.write_bytes(b"not a database" * 100)
    assert cached_values(cache, ["zone_name"]) == {"zone_name": set()}
    assert cached_values(tmp_path / "none.sqlite", ["zone_name"]) == {"zone_name": set()}
    assert cache.read_bytes() == b"not a database" * 100
    assert [p.name for p in tmp_path.iterdir()] == ["c.sqlite"]


# ------------------------------------------------------------------ 3. misspellings


def test_a_misspelt_keyword_names_it_with_a_suggestion_before_any_request(sb: Any) -> None:
    sent = len(sb.requests)
    with pytest.raises(InvalidParameterError) as info:
        load(sb, actr_email="a@b.c")
    assert info.value.parameter == "actr_email"
    assert str(info.value) == (
        "actr_email: is not a keyword of load_audit_logs; did you mean actor_email?"
    )
    assert isinstance(info.value, AuditKitError) and isinstance(info.value, ValueError)
    with pytest.raises(InvalidParameterError) as info:
        load(sb, colour="red")
    assert str(info.value) == "colour: is not a keyword of load_audit_logs"
    assert len(sb.requests) == sent


@pytest.mark.parametrize(
    ("argv", "last_line"),
    [
        (["fetch", "-o", "x.csv", "--sinse", "s3cr3t-xyz"],
         "auditkit fetch: error: unrecognized option --sinse (did you mean --since?)"),
        (["fetch", "-o", "x.csv", "--actr-email=s3cr3t-xyz"],
         "auditkit fetch: error: unrecognized option --actr-email (did you mean --actor-email?)"),
        (["findings", "-o", "x.csv", "--zone-nme", "s3cr3t-xyz"],
         "auditkit findings: error: unrecognized option --zone-nme (did you mean --zone-name?)"),
        (["fetch", "-o", "x.csv", "--frobnicate", "s3cr3t-xyz"],
         "auditkit fetch: error: unrecognized option --frobnicate (see --help)"),
        (["fetch", "-o", "x.csv", "s3cr3t-xyz"],
         "auditkit fetch: error: unrecognized arguments (see --help)"),
        (["fetch", "-o", "x.csv", "-s3cr3tABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"],
         "auditkit fetch: error: unrecognized arguments (see --help)"),
        (["fetch", "-o", "x.csv", "--api", "s3cr3t-xyz"],
         "auditkit fetch: error: argument --api: invalid choice (choose from v1, v2)"),
        (["fetch", "-o", "x.csv", "--quiet=s3cr3t-xyz"],
         "auditkit fetch: error: argument --quiet: takes no value"),
        (["fetch", "-o", "x.csv", "--actor-t=s3cr3t-xyz"],
         "auditkit fetch: error: ambiguous option: --actor-t could match --actor-token-id, "
         "--actor-token-name, --actor-type"),
        (["fecth", "-o", "s3cr3t-xyz"],
         "auditkit: error: argument command: invalid choice (choose from fetch, findings, "
         "logpush, archive, sandbox, demo, cache); did you mean fetch?"),
    ],
)  # fmt: skip
def test_command_line_errors_suggest_and_never_echo_values(
    argv: list[str], last_line: str, capsys: Any
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == last_line
    assert "s3cr3t" not in err


def test_suggestions_pick_a_clear_winner() -> None:
    assert close_matches("change setting", ["change_setting", "login"]) == ["change_setting"]
    assert close_matches("Login", ["login", "logout"]) == ["login"]  # case first
    assert close_matches("actr_email", ["actor_email", "email", "actor_ip"]) == ["actor_email"]
    assert close_matches("login", ["login"]) == []  # the word itself is no suggestion
    assert did_you_mean("ssl", ["ssl1", "ssl2", "tls"]) == "did you mean ssl1 or ssl2?"
    assert did_you_mean("qqq", ["login"]) == ""


# ------------------------------------------------------------------ 4. findings


def _expected_findings(sb: Any, **kwargs: Any) -> pd.DataFrame:
    return auditkit.risky_changes(load(sb, **kwargs))


def _summary(findings: pd.DataFrame, out: Path) -> str:
    counts = findings["severity"].value_counts()
    parts = [f"{counts[s]} {s}" for s in ("high", "medium", "low") if s in counts]
    return f"{len(findings)} findings ({', '.join(parts)}) to {out}\n"


def test_findings_csv_over_http(env: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "findings.csv"
    assert run(env, "findings", *OCTOBER, "--no-cache", "-o", str(out)) == 0
    expected = _expected_findings(env, since=OCTOBER[1], before=OCTOBER[3])
    counts = expected["severity"].value_counts()
    assert len(expected) > 0 and counts.get("high", 0) > 0
    assert capsys.readouterr().out == _summary(expected, out)
    text = out.read_text().splitlines()
    assert text[0] == ",".join(expected.columns)  # a header
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(got) == len(expected)
    assert got["id"].tolist() == expected["id"].tolist()
    assert got["severity"].tolist() == expected["severity"].tolist()
    assert got["when"].tolist() == [t.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for t in expected["when"]]
    assert got["when"].iloc[0].endswith("Z") and "T" in got["when"].iloc[0]
    assert out.stat().st_mode & 0o777 == 0o600


def test_findings_jsonl_of_a_v2_load(env: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "findings.jsonl"
    account = env.account_ids[0]
    argv = ["findings", "--api", "v2", "--account-id", account, *OCTOBER, "--no-cache",
            "-o", str(out)]  # fmt: skip
    assert run(env, *argv) == 0
    expected = _expected_findings(
        env, api="v2", account_id=account, since=OCTOBER[1], before=OCTOBER[3]
    )
    assert capsys.readouterr().out == _summary(expected, out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len(expected) > 0
    assert list(rows[0]) == list(expected.columns)
    assert [r["id"] for r in rows] == expected["id"].tolist()
    assert [r["events"] for r in rows] == expected["events"].tolist()
    assert [pd.Timestamp(r["when"]) for r in rows] == expected["when"].tolist()
    assert all(r["when"].endswith("Z") for r in rows)


def test_findings_of_an_empty_load_and_with_quiet(env: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "none.csv"
    argv = ["findings", "--since", "2026-01-01", "--before", "2026-01-02", "--no-cache"]
    assert run(env, *argv, "-o", str(out)) == 0
    assert capsys.readouterr().out == f"0 findings to {out}\n"
    header = ",".join(auditkit.risky_changes(load(env, since="2026-01-01", before="2026-01-02")))
    assert out.read_text() == header + "\n"
    assert run(env, *argv, "--quiet", "-o", str(out)) == 0
    assert capsys.readouterr().out == ""


def test_findings_shares_fetch_checks_and_hints(env: Any, tmp_path: Path, capsys: Any) -> None:
    sent = len(env.requests)
    assert run(env, "findings", "-o", str(tmp_path / "f.parquet")) == 2
    assert capsys.readouterr().err == (
        "auditkit findings: error: --output: must end in one of .csv, .jsonl\n"
    )
    assert run(env, "findings", "--actor-ip", "1.2.3.999", "-o", str(tmp_path / "f.csv")) == 2
    assert capsys.readouterr().err.startswith("auditkit findings: error: --actor-ip: '1.2.3.999'")
    assert len(env.requests) == sent
    out = tmp_path / "f.csv"
    assert run(env, "findings", "--action-type", "chnge_setting", "--no-cache", "-o",
               str(out)) == 0  # fmt: skip
    captured = capsys.readouterr()
    assert captured.out == f"0 findings to {out}\n"
    assert captured.err.startswith("auditkit findings: no entries matched; --action-type")
    assert captured.err.endswith("; did you mean change_setting?\n")


# ------------------------------------------------------------------ 5. plurals, option names


def test_counts_of_one_are_singular(env: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "one.csv"
    one = env.records[100]["id"]
    assert run(env, "fetch", "--id", one, "--no-cache", "-o", str(out)) == 0
    assert capsys.readouterr().out == (
        f"wrote 1 entry to {out} (1 request, 0 of 1 page from cache)\n"
    )
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(0, "entry", "entries") == "0 entries"
    assert plural(2, "person", "people") == "2 people"
    assert plural(1, "cached page") == "1 cached page"


@pytest.mark.parametrize(
    ("argv", "err"),
    [
        (["--per-page", "5000"], "--per-page: must be between 1 and 1000, got 5000"),
        (["--raw-method", "GET"], "--raw-method: is not a filter of --api v1 (only of --api v2)"),
        (["--direction", "up"], "--direction: must be 'desc' or 'asc', got 'up'"),
        (["--since", "2026-10-02", "--before", "2026-10-01"],
         "--since: must be earlier than before (2026-10-02T00:00:00+00:00 >= "
         "2026-10-01T00:00:00+00:00)"),
        (["--actor-email", "a@example.com", "--actor-email", "b@example.com"],
         "--actor-email: takes one value with --api v1 (given 2); v2 takes several"),
        (["--api", "v2", "--account-id", "acc", "--exclude", "colour=red"],
         "--exclude: 'colour' is not a v2 filter that can be negated"),
        (["--api", "v2", "--account-id", "acc", "--exclude", "raw_status_code=999"],
         "--exclude raw_status_code: must be an HTTP status code (100 to 599) or a list of "
         "them, not 999"),
    ],
)  # fmt: skip
def test_errors_name_the_option_as_typed(
    env: Any, tmp_path: Path, argv: list[str], err: str, capsys: Any
) -> None:
    sent = len(env.requests)
    assert run(env, "fetch", "-o", str(tmp_path / "x.csv"), *argv) == 2
    line = capsys.readouterr().err
    assert line.startswith(f"auditkit fetch: error: {err}"), line
    assert len(env.requests) == sent


def test_a_misspelt_keyword_of_the_csv_export_is_named_before_any_request(tmp_path: Path) -> None:
    with pytest.raises(auditkit.InvalidParameterError) as info:
        auditkit.export_audit_logs(tmp_path / "x.csv", zone_nme="example.com", token="t",
                                   base_url="http://127.0.0.1:9/client/v4")  # fmt: skip
    assert info.value.parameter == "zone_nme"
    assert "did you mean zone_name?" in str(info.value)
    assert not (tmp_path / "x.csv").exists()

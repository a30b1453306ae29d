"""The CLI's several values: an option given again is a list; ``--exclude``; several accounts.

Over real HTTP: a stub server records what the CLI's load sends, and the sandbox
serves several accounts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import auditkit
from auditkit import sandbox
from auditkit.cli import main
from tests.stubserver import Request
from tests.test_v2 import RECORDS, StubServer, cursor_handler


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "t")


def fetch_v2(stub: StubServer, out: Path, *options: str) -> int:
    return main(["fetch", "--api", "v2", "--account-id", "acc1", "--since", "2026-09-01",
                 "--before", "2026-09-02", "--base-url", stub.base_url, "--no-cache",
                 "--quiet", "-o", str(out), *options])  # fmt: skip


def first_page(stub: StubServer) -> Request:
    return next(r for r in stub.requests if r.params.get("limit") and "cursor" not in r.params)


def test_an_option_given_again_sends_each_value(tmp_path: Path) -> None:
    with StubServer(cursor_handler(RECORDS[:5])) as stub:
        code = fetch_v2(stub, tmp_path / "o.parquet", "--resource-product", "dns",
                        "--resource-product", "waf", "--raw-status-code", "403",
                        "--raw-status-code", "200")  # fmt: skip
    assert code == 0
    sent = first_page(stub).query
    assert [v for k, v in sent if k == "resource_product"] == ["dns", "waf"]
    assert [v for k, v in sent if k == "raw_status_code"] == ["200", "403"]


def test_exclude_sends_not_parameters(tmp_path: Path) -> None:
    with StubServer(cursor_handler(RECORDS[:5])) as stub:
        code = fetch_v2(stub, tmp_path / "o.parquet", "--exclude", "actor_context=dash",
                        "--exclude", "actor-context=oauth", "--exclude", "raw_method=GET")  # fmt: skip
    assert code == 0
    sent = first_page(stub).query
    assert [v for k, v in sent if k == "actor_context.not"] == ["dash", "oauth"]
    assert [v for k, v in sent if k == "raw_method.not"] == ["GET"]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--exclude", "actor_context"], "--exclude"),
        (["--exclude", "=dash"], "--exclude"),
        (["--exclude", "colour=red"], "colour"),
        (["--action-result", "success", "--action-result", "maybe"], "--action-result"),
    ],
)
def test_bad_several_values_are_refused_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], named: str
) -> None:
    with StubServer(cursor_handler(RECORDS[:5])) as stub:
        code = fetch_v2(stub, tmp_path / "o.parquet", *options)
        assert stub.requests == []
    assert code == 2
    assert named in capsys.readouterr().err


def test_several_values_with_v1_name_the_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["fetch", "--actor-email", "a@example.com", "--actor-email", "b@example.com",
                 "--base-url", "http://127.0.0.1:9/client/v4", "--no-cache", "--quiet",
                 "-o", str(tmp_path / "o.csv")])  # fmt: skip
    assert code == 2
    assert "--actor-email" in capsys.readouterr().err


def test_several_v1_accounts_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "accounts.parquet"
    with sandbox.start(anchor="2026-10-01", accounts=3) as sb:
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", sb.token)
        first, second, third = sb.account_ids
        args: list[Any] = ["fetch", "--since", "2026-09-01", "--before", "2026-10-01",
                           "--base-url", sb.base_url, "--no-cache", "--quiet", "-o", str(out)]  # fmt: skip
        assert main([*args, "--account-id", first, "--account-id", third]) == 0
        df = auditkit.frame.read_frame(out)
        assert set(df["account_id"]) == {first, third}
        assert main([*args, "--account-id", "*", "--skip-unreadable"]) == 0
        df = auditkit.frame.read_frame(out)
        assert set(df["account_id"]) == {first, second, third}
        assert df["account_id"].value_counts().min() > 10

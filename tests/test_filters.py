"""The load filters are declared once (auditkit._query.FILTERS) and every caller follows them."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import auditkit
from auditkit import InvalidParameterError
from auditkit._query import FILTERS
from auditkit.cli import _parser
from auditkit.sources.v1 import AuditLogQuery
from tests.stubserver import StubServer, pages_handler, record

VALUES: dict[str, Any] = {
    "since": "2026-09-01",
    "before": "2026-09-02",
    "actor_email": "a@example.com",
    "actor_ip": "192.0.2.0/24",
    "action_type": "login",
    "zone_name": "example.com",
    "id": "r000001",
    "direction": "asc",
    "hide_user_logs": True,
    "account_id": "acct1",
}


def test_every_filter_has_a_test_value() -> None:
    assert set(VALUES) == {f.name for f in FILTERS}


@pytest.mark.parametrize("func", [auditkit.load_audit_logs, auditkit.export_audit_logs])
def test_the_loaders_take_every_filter_with_its_declared_default(func: Any) -> None:
    params = inspect.signature(func).parameters
    for f in FILTERS:
        assert f.name in params, f.name
        assert params[f.name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[f.name].default == f.default, f.name
        assert f.name in (func.__doc__ or ""), f"{f.name} is not documented in {func.__name__}"


def test_the_cli_has_an_option_per_filter_with_its_declared_default() -> None:
    fetch = _parser()._subparsers._group_actions[0].choices["fetch"]  # type: ignore[union-attr]
    options = {a.option_strings[-1]: a for a in fetch._actions if a.option_strings}
    for f in FILTERS:
        assert f.option in options, f.option
        assert options[f.option].default == f.default
        assert options[f.option].help == f.help


def test_every_filter_reaches_the_wire() -> None:
    with StubServer(pages_handler([record(1)])) as stub:
        auditkit.load_audit_logs(
            base_url=stub.base_url, token="t", cache=False, progress=False, **VALUES
        )
    (sent,) = stub.requests
    assert sent.path == "/accounts/acct1/audit_logs"
    wired = {f.wire: VALUES[f.name] for f in FILTERS if f.wire is not None}
    for wire, value in wired.items():
        assert sent.params[wire] == ("true" if value is True else value), wire


def test_the_cli_passes_every_filter(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from auditkit import cli

    seen: dict[str, Any] = {}

    def fake_load(**kwargs: Any) -> Any:
        seen.update(kwargs)
        raise InvalidParameterError("stop", "seen enough")

    monkeypatch.setattr(auditkit._load, "load_audit_logs", fake_load)
    argv = ["fetch", "-o", str(tmp_path / "x.csv")]
    for f in FILTERS:
        value = VALUES[f.name]
        argv += [f.option] if value is True else [f.option, str(value)]
    assert cli.main(argv) == 2
    assert {f.name: seen[f.name] for f in FILTERS} == VALUES


def test_an_unknown_filter_is_refused_naming_it() -> None:
    with pytest.raises(InvalidParameterError) as info:
        AuditLogQuery.build(actor="x")
    assert info.value.parameter == "actor"

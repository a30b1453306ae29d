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
from tests.stubserver import Reply, StubServer, pages_handler, record

V1_VALUES: dict[str, Any] = {
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
#: v2's own filters, as text (as the CLI passes them).
V2_VALUES: dict[str, Any] = {
    "organization_id": "org1",
    "account_name": "Example",
    "action_result": "failure",
    "actor_context": "api_token",
    "actor_id": "u1",
    "actor_ip_address": "192.0.2.9",
    "actor_token_id": "t1",
    "actor_token_name": "terraform-ci",
    "actor_type": "user",
    "raw_cf_ray_id": "ray1",
    "raw_method": "PATCH",
    "raw_status_code": "404",
    "raw_uri": "/client/v4/zones",
    "resource_id": "d1",
    "resource_product": "dns",
    "resource_scope": "zones",
    "resource_type": "dns_record",
    "zone_id": "z1",
}
VALUES = {**V1_VALUES, **V2_VALUES}


def test_every_filter_has_a_test_value() -> None:
    assert set(VALUES) == {f.name for f in FILTERS}


@pytest.mark.parametrize(
    ("func", "api"), [(auditkit.load_audit_logs, None), (auditkit.export_audit_logs, "v1")]
)
def test_the_loaders_take_every_filter_with_its_declared_default(func: Any, api: Any) -> None:
    params = inspect.signature(func).parameters
    for f in FILTERS:
        if api is not None and api not in f.apis:
            assert f.name not in params, f"{func.__name__} is {api} only: {f.name}"
            continue
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
        if f.repeatable:  # given again, a list
            assert options[f.option].help == f"{f.help} (repeat for several)"
            assert type(options[f.option]).__name__ == "_AppendAction"
        else:
            assert options[f.option].help == f.help


def test_every_filter_reaches_the_wire() -> None:
    with StubServer(pages_handler([record(1)])) as stub:
        auditkit.load_audit_logs(
            base_url=stub.base_url, token="t", cache=False, progress=False, **V1_VALUES
        )
    (sent,) = stub.requests
    assert sent.path == "/accounts/acct1/audit_logs"
    wired = {f.wire: V1_VALUES[f.name] for f in FILTERS if f.wire is not None}
    for wire, value in wired.items():
        assert sent.params[wire] == ("true" if value is True else value), wire


def test_every_v2_filter_reaches_the_wire() -> None:
    shared = {"actor_email": "a@example.com", "action_type": "update", "zone_name": "a.com",
              "id": "v1", "direction": "asc"}  # fmt: skip
    own = {k: v for k, v in V2_VALUES.items() if k not in ("organization_id", "raw_status_code")}
    body = b'{"success":true,"errors":[],"result":[],"result_info":{"count":"0"}}'
    with StubServer(lambda req: Reply(body=body)) as stub:
        auditkit.load_audit_logs(
            api="v2", account_id="acct1", base_url=stub.base_url, token="t", cache=False,
            progress=False, since="2026-09-01", before="2026-09-02", raw_status_code=404,
            exclude={"actor_type": "system"}, **shared, **own,
        )  # fmt: skip
    (sent,) = stub.requests
    assert sent.path == "/accounts/acct1/logs/audit"
    expected = {**shared, **own, "raw_status_code": "404", "actor_type.not": "system"}
    for name, value in expected.items():
        assert sent.params[name] == value, name
    assert sent.params["since"] == "2026-08-31T23:59:59Z" and sent.params["limit"] == "1000"


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

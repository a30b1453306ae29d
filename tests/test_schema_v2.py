"""The v2 frame: Audit Logs v2 records load with exact values and dtypes; v1 stays as it was."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit.errors import APIError, InvalidParameterError
from auditkit.frame import (
    COLUMNS,
    KNOWN_FIELDS,
    V1,
    V2,
    Column,
    Schema,
    column,
    column_names,
    dtypes,
    empty_frame,
    read_frame,
    record_shape_problem,
    records_to_frame,
    schema_markdown,
    write_frame,
)
from auditkit.frame.__main__ import main as print_schemas
from auditkit.frame._chunk import Chunk, chunks_to_frame, extract_columns

FORMATS = ["csv", "jsonl", "parquet"]

#: A v2 record with every documented field (cloudflare-python 5.9's AuditListResponse).
FULL: dict[str, Any] = {
    "id": "0a1b2c3d-0000-4000-8000-00000000cafe",
    "account": {"id": "4b8f00e5d43bd8e2f3f8bd3a12c4b4a1", "name": "Example Account"},
    "action": {
        "description": "Add Member",
        "result": "success",
        "time": "2026-10-01T12:34:56.789012Z",
        "type": "create",
    },
    "actor": {
        "id": "f6b5de0326bb5182b8a4840ee01ec774",
        "context": "dash",
        "email": "michelle@example.com",
        "ip_address": "198.41.129.166",
        "token_id": "token-1",
        "token_name": "deploy token",
        "type": "user",
    },
    "raw": {
        "cf_ray_id": "8e9b1c2d3e4f5a6b",
        "method": "POST",
        "status_code": 200,
        "uri": "/accounts/4b8f00e5d43bd8e2f3f8bd3a12c4b4a1/members",
        "user_agent": "Mozilla/5.0",
    },
    "resource": {
        "id": "member-7",
        "product": "members",
        "request": {"email": "new@example.com", "roles": ["admin"]},
        "response": [{"id": "member-7", "status": "pending"}],
        "scope": "accounts",
        "type": "account",
    },
    "zone": {"id": "023e105f4ecef8ad9ca31a8372d0c353", "name": "example.com"},
}

#: The v2 frame's dtypes, written out here (not taken from the code under test).
V2_DTYPES = {
    "id": "string",
    "when": "datetime64[us, UTC]",
    "action_type": "category",
    "action_result": "boolean",
    "actor_id": "category",
    "actor_email": "category",
    "actor_ip": "category",
    "actor_type": "category",
    "resource_id": "string",
    "resource_type": "category",
    "zone_name": "category",
    "account_id": "category",
    "account_name": "category",
    "action_description": "string",
    "actor_context": "category",
    "actor_token_id": "category",
    "actor_token_name": "category",
    "raw_cf_ray_id": "string",
    "raw_method": "category",
    "raw_status_code": "Int64",
    "raw_uri": "string",
    "raw_user_agent": "category",
    "resource_product": "category",
    "resource_scope": "json",
    "resource_request": "json",
    "resource_response": "json",
    "zone_id": "category",
}
SHARED = [
    "id",
    "when",
    "action_type",
    "action_result",
    "actor_id",
    "actor_email",
    "actor_ip",
    "actor_type",
    "resource_id",
    "resource_type",
    "zone_name",
]


def v2(*records: Any) -> pd.DataFrame:
    return records_to_frame(list(records), schema=V2)


def with_field(head: str, key: str, value: Any) -> dict[str, Any]:
    record = copy.deepcopy(FULL)
    record[head][key] = value
    return record


def is_missing(value: Any) -> bool:
    """Missing as each dtype has it: NA, NaT, None (json) or NaN (category)."""
    nan = isinstance(value, float) and value != value
    return value is None or value is pd.NA or value is pd.NaT or nan


# ------------------------------------------------------------------ the full record


def test_a_full_record_gives_exactly_the_expected_row() -> None:
    df = v2(FULL)
    assert {c: str(t) for c, t in df.dtypes.items()} == V2_DTYPES
    row = df.iloc[0].to_dict()
    assert row == {
        "id": "0a1b2c3d-0000-4000-8000-00000000cafe",
        "when": pd.Timestamp("2026-10-01T12:34:56.789012Z"),
        "action_type": "create",
        "action_result": True,
        "actor_id": "f6b5de0326bb5182b8a4840ee01ec774",
        "actor_email": "michelle@example.com",
        "actor_ip": "198.41.129.166",
        "actor_type": "user",
        "resource_id": "member-7",
        "resource_type": "account",
        "zone_name": "example.com",
        "account_id": "4b8f00e5d43bd8e2f3f8bd3a12c4b4a1",
        "account_name": "Example Account",
        "action_description": "Add Member",
        "actor_context": "dash",
        "actor_token_id": "token-1",
        "actor_token_name": "deploy token",
        "raw_cf_ray_id": "8e9b1c2d3e4f5a6b",
        "raw_method": "POST",
        "raw_status_code": 200,
        "raw_uri": "/accounts/4b8f00e5d43bd8e2f3f8bd3a12c4b4a1/members",
        "raw_user_agent": "Mozilla/5.0",
        "resource_product": "members",
        "resource_scope": "accounts",
        "resource_request": {"email": "new@example.com", "roles": ["admin"]},
        "resource_response": [{"id": "member-7", "status": "pending"}],
        "zone_id": "023e105f4ecef8ad9ca31a8372d0c353",
    }
    assert list(df.columns) == list(V2_DTYPES)
    assert df.loc[0, "when"].unit == "us" and str(df.loc[0, "when"].tz) == "UTC"
    assert type(df.loc[0, "raw_status_code"]).__name__ == "int64"
    assert type(df.loc[0, "resource_scope"]) is str
    assert df.index.equals(pd.RangeIndex(1))


def test_when_is_action_time_and_a_top_level_when_is_ignored() -> None:
    record = copy.deepcopy(FULL)
    record["action"]["time"] = "2026-10-01T12:00:00.5+02:00"
    record["when"] = "1999-01-01T00:00:00Z"  # not a v2 field; the batch still has v2 records
    df = v2(record, FULL)
    assert df.loc[0, "when"] == pd.Timestamp("2026-10-01T10:00:00.5Z")
    assert v2(with_field("action", "time", "not a time")).loc[0, "when"] is pd.NaT


def test_categories_start_with_the_known_values() -> None:
    df = v2(FULL, with_field("actor", "type", "robot"), with_field("action", "type", "login"))
    assert df["action_type"].cat.categories.tolist() == [
        "create",
        "delete",
        "view",
        "update",
        "login",
    ]
    assert df["actor_type"].cat.categories.tolist() == [
        "account",
        "cloudflare_admin",
        "delegated_service",
        "system",
        "user",
        "robot",
    ]
    assert df["actor_context"].cat.categories.tolist() == [
        "api",
        "api_key",
        "api_token",
        "dash",
        "oauth",
        "origin_ca_key",
    ]
    assert df["raw_method"].cat.categories.tolist() == ["POST"]
    assert str(df["actor_type"].cat.categories.dtype) == "string"


# ------------------------------------------------------------------ action_result


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("success", True),
        ("failure", False),
        ("Success", None),
        ("FAILURE", None),
        ("ok", None),
        ("", None),
        ("true", None),
        (True, None),  # JSON booleans: the docs say strings; anything else is missing
        (False, None),
        (1, None),
        (None, None),
        ({"a": 1}, None),
    ],
)
def test_action_result_reads_the_text(value: Any, expected: bool | None) -> None:
    got = v2(with_field("action", "result", value)).loc[0, "action_result"]
    assert got is pd.NA if expected is None else bool(got) is expected


def test_v1_action_result_still_reads_json_booleans_only() -> None:
    df = records_to_frame(
        [{"action": {"result": r}} for r in (True, False, "success", "failure", None)]
    )
    assert df["action_result"].tolist() == [True, False, pd.NA, pd.NA, pd.NA]


# ------------------------------------------------------------------ raw_status_code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (200, 200),
        ("404", 404),
        (2.5, None),
        (True, None),
        ("x", None),
        (None, None),
        (200.0, 200),  # a float without a fraction is the integer
        ("-1", -1),
        ("+7", 7),
        ("007", 7),
        (" 200", None),
        ("2_00", None),
        ("200.0", None),
        ("\u0662\u0660\u0660", None),  # Arabic-Indic digits: not ASCII
        ("", None),
        (2**63 - 1, 2**63 - 1),
        (2**63, None),
        (-(2**63), -(2**63)),
        (float("inf"), None),
        ([200], None),
    ],
)
def test_raw_status_code(value: Any, expected: int | None) -> None:
    df = v2(with_field("raw", "status_code", value))
    got = df.loc[0, "raw_status_code"]
    assert str(df["raw_status_code"].dtype) == "Int64"
    assert got is pd.NA if expected is None else int(got) == expected


# ------------------------------------------------------------------ JSON columns


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("accounts", "accounts"),
        ({"a": 1}, {"a": 1}),
        ([1], [1]),
        (None, None),
        ("", ""),
        (5, 5),
        (2.5, 2.5),
        (True, True),
        ('{"a":1}', '{"a":1}'),  # a string that looks like JSON stays a string
        (float("nan"), None),
    ],
)
def test_resource_scope_keeps_any_json_value(value: Any, expected: Any) -> None:
    df = v2(with_field("resource", "scope", value))
    got = df.loc[0, "resource_scope"]
    assert str(df["resource_scope"].dtype) == "json"
    if expected is None:
        assert got is None and bool(df["resource_scope"].isna().iloc[0])
    else:
        assert got == expected and type(got) is type(expected)


def test_resource_request_and_response_keep_objects_and_arrays_only() -> None:
    df = v2(
        with_field("resource", "request", "text"),
        with_field("resource", "request", 5),
        with_field("resource", "request", {"k": [1, None]}),
        with_field("resource", "response", []),
    )
    assert df["resource_request"].tolist() == [
        None,
        None,
        {"k": [1, None]},
        FULL["resource"]["request"],
    ]
    assert df.loc[3, "resource_response"] == []


def test_string_scalars_in_a_json_column_compare_and_match() -> None:
    df = v2(
        FULL,
        with_field("resource", "scope", "zones"),
        with_field("resource", "scope", {"a": 1}),
        with_field("resource", "scope", None),
    )
    scope = df["resource_scope"]
    assert (scope == "accounts").tolist() == [True, False, False, False]
    assert scope.isin(["zones", {"a": 1}]).tolist() == [False, True, True, False]
    assert "zones" in scope.array and "user" not in scope.array
    assert scope.value_counts().tolist() == [1, 1, 1] and scope.nunique() == 3
    assert scope.astype("string").tolist() == ['"accounts"', '"zones"', '{"a":1}', pd.NA]


# ------------------------------------------------------------------ odd shapes


def test_missing_and_odd_nested_objects_are_missing_values() -> None:
    df = v2(
        {"id": "only-id"},
        {"id": "odd", "action": "create", "actor": [1], "raw": None, "zone": 5, "resource": {}},
        FULL,
    )
    assert len(df) == 3
    for name in V2_DTYPES:
        if name != "id":
            assert is_missing(df.loc[0, name]), name
            assert is_missing(df.loc[1, name]), name
    assert df["id"].tolist() == ["only-id", "odd", FULL["id"]]


def test_records_that_are_not_objects_are_rows_of_missing_values() -> None:
    df = v2(None, 5, "text", [FULL], FULL)
    assert len(df) == 5
    assert df.iloc[:4].isna().all(axis=None)
    assert df.loc[4, "id"] == FULL["id"]


def test_a_batch_of_non_objects_only_is_refused() -> None:
    with pytest.raises(APIError, match="none of the 2 records has any field auditkit's v2 frame"):
        v2(None, 5)


def test_empty_frame_and_empty_batch() -> None:
    empty = empty_frame(V2)
    assert {c: str(t) for c, t in empty.dtypes.items()} == V2_DTYPES
    assert dtypes(V2) == V2_DTYPES
    assert list(empty.columns) == column_names(V2) == list(V2_DTYPES)
    assert len(empty) == 0
    pd.testing.assert_frame_equal(records_to_frame([], schema=V2), empty)
    pd.testing.assert_frame_equal(chunks_to_frame([], V2), empty)
    pd.testing.assert_frame_equal(chunks_to_frame([Chunk.empty(V2)], V2), empty)
    assert Chunk.concat([], V2).table.column_names == list(V2_DTYPES)
    assert empty["actor_type"].cat.categories.tolist()[:2] == ["account", "cloudflare_admin"]


# ------------------------------------------------------------------ the shape check


def test_a_v1_record_given_to_v2_is_refused_naming_the_schema() -> None:
    v1_record = {
        "id": "x",
        "when": "2026-10-01T00:00:00Z",
        "action": {"type": "login", "result": True},
        "actor": {"email": "a@example.com", "ip": "1.2.3.4", "type": "user"},
        "interface": "UI",
    }
    problem = record_shape_problem([v1_record, dict(v1_record, id="y")], V2)
    assert problem == (
        "none of the 2 records is a v2 record: the 2 with fields auditkit's v2 frame reads also "
        "have `when` at the top level. A top-level `when` is Audit Logs v1's time; v2 records "
        "keep theirs in `action.time`. Are these v1 records? Read them with schema=V1."
    )
    with pytest.raises(APIError, match="is a v2 record") as info:
        records_to_frame([v1_record], schema=V2)
    assert "schema=V1" in str(info.value)
    # the same record is a v1 record
    assert record_shape_problem([v1_record]) is None
    assert records_to_frame([v1_record]).loc[0, "action_type"] == "login"
    # one v2 record in the batch is enough; the v1 record becomes a row without a time
    df = records_to_frame([v1_record, FULL], schema=V2)
    assert df["when"].isna().tolist() == [True, False]


def test_other_shapes_given_to_v2_list_v2_fields_and_endpoint() -> None:
    problem = record_shape_problem([{"ActionType": "create", "When": "x"}], V2)
    assert problem is not None
    assert problem.startswith(
        "none of the 1 records has any field auditkit's v2 frame reads "
        "(id, action, actor, resource, zone, account, raw); got keys ActionType, When."
    )
    assert "(GET /accounts/{account_id}/logs/audit)" in problem
    assert record_shape_problem([{"id": "a"}], V2) is None
    assert record_shape_problem([], V2) is None


def test_v1_shape_messages_are_unchanged() -> None:
    assert record_shape_problem([{"When": "x"}]) == (
        "none of the 1 records has any field auditkit reads (id, when, action, actor, interface,"
        " resource, owner, metadata, oldValue, newValue, oldValueJson, newValueJson); got keys"
        " When. Is this Cloudflare Logpush output (PascalCase fields such as ActionType, When)?"
        " auditkit reads the audit-log API's records"
        " (GET /accounts/{account_id}/audit_logs or /user/audit_logs)."
    )
    # a v2 record is still read by v1 as a row (v1 has always read any record with an id)
    assert record_shape_problem([FULL]) is None


# ------------------------------------------------------------------ files


@pytest.fixture
def many() -> pd.DataFrame:
    records = [FULL]
    for i, (scope, status, result) in enumerate(
        [("zones", "404", "failure"), ({"a": [1]}, None, "odd"), (None, 2.5, None), (5, 500, True)]
    ):
        record = with_field("resource", "scope", scope)
        record["id"] = f"row-{i}"
        record["raw"]["status_code"] = status
        record["action"]["result"] = result
        record["action"]["time"] = f"2026-10-0{i + 2}T00:00:00.{i}Z"
        records.append(record)
    records.append({"id": "bare", "action": {"type": "view"}})
    return v2(*records)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_v2_frame_round_trips(many: pd.DataFrame, tmp_path: Path, fmt: str) -> None:
    back = read_frame(write_frame(many, tmp_path / f"v2.{fmt}"))
    pd.testing.assert_frame_equal(back, many)
    assert back.loc[1, "resource_scope"] == "zones" and back.loc[4, "resource_scope"] == 5


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_empty_v2_frame_round_trips(tmp_path: Path, fmt: str) -> None:
    back = read_frame(write_frame(empty_frame(V2), tmp_path / f"empty.{fmt}"))
    pd.testing.assert_frame_equal(back, empty_frame(V2))


def test_an_empty_jsonl_file_reads_as_the_v1_empty_frame(tmp_path: Path) -> None:
    # no line, no column name: nothing says v2 (documented in auditkit.frame._io)
    back = read_frame(write_frame(empty_frame(V2), tmp_path / "empty.jsonl"))
    pd.testing.assert_frame_equal(back, empty_frame())


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_filtered_v2_frame_round_trips(many: pd.DataFrame, tmp_path: Path, fmt: str) -> None:
    part = many[many["action_result"].fillna(False).astype(bool)].reset_index(drop=True)
    back = read_frame(write_frame(part, tmp_path / f"part.{fmt}"))
    if fmt == "parquet":
        pd.testing.assert_frame_equal(back, part)
    else:  # text formats rebuild categories as the loader does
        assert back["actor_type"].cat.categories.tolist()[:5] == list(
            V2.by_name["actor_type"].known
        )
        assert back["raw_status_code"].tolist() == part["raw_status_code"].tolist()


def test_v2_text_in_files(many: pd.DataFrame, tmp_path: Path) -> None:
    rows = pd.read_csv(write_frame(many, tmp_path / "x.csv"), dtype=str, keep_default_na=False)
    assert rows["raw_status_code"].tolist()[:4] == ["200", "404", "", ""]
    assert rows["action_result"].tolist()[:3] == ["True", "False", ""]
    assert rows["resource_scope"].tolist()[:3] == ['"accounts"', '"zones"', '{"a":[1]}']
    lines = (write_frame(many, tmp_path / "x.jsonl")).read_text().splitlines()
    assert '"raw_status_code":200,' in lines[0] and '"resource_scope":"accounts",' in lines[0]
    assert '"action_result":true,' in lines[0]


def test_a_csv_with_a_bad_integer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,raw_status_code,raw_uri\na,2.5,/x\n")
    with pytest.raises(InvalidParameterError, match="raw_status_code"):
        read_frame(path)
    path.write_text("id,raw_status_code,raw_uri\na,404,/x\nb,,/y\n")
    assert read_frame(path)["raw_status_code"].tolist() == [404, pd.NA]


def test_v1_files_are_still_typed_by_v1(tmp_path: Path) -> None:
    df = records_to_frame([{"id": "a", "actor": {"type": "user"}}])
    for fmt in FORMATS:
        back = read_frame(write_frame(df, tmp_path / f"v1.{fmt}"))
        pd.testing.assert_frame_equal(back, df)
        assert back["actor_type"].cat.categories.tolist()[0] == "user"


# ------------------------------------------------------------------ the chunk path


def test_arrow_inputs_type_as_lists_do() -> None:
    lists = extract_columns(
        [with_field("raw", "status_code", v) for v in (200, "404", "x", None)],
        V2,
    )
    lists["action_result"] = ["success", "failure", "other", None]
    arrow = dict(lists)
    arrow["action_result"] = pa.array(["success", "failure", "other", None])
    arrow["raw_status_code"] = pa.array(["200", "404", "x", None])
    from_lists = chunks_to_frame([Chunk.from_columns(lists, V2)], V2)
    from_arrow = chunks_to_frame([Chunk.from_columns(arrow, V2)], V2)
    pd.testing.assert_frame_equal(from_arrow, from_lists)
    assert from_lists["action_result"].tolist() == [True, False, pd.NA, pd.NA]
    assert from_lists["raw_status_code"].tolist() == [200, 404, pd.NA, pd.NA]
    ints = dict(lists, raw_status_code=pa.array([200, None, 3, 4], type=pa.int32()))
    frame = chunks_to_frame([Chunk.from_columns(ints, V2)], V2)
    assert frame["raw_status_code"].tolist() == [200, pd.NA, 3, 4]
    flags = dict(lists, action_result=pa.array([True, False, None, True]))
    assert chunks_to_frame([Chunk.from_columns(flags, V2)], V2)["action_result"].isna().all()


def test_chunks_of_pages_make_the_frame_of_the_batch() -> None:
    records = [FULL, with_field("actor", "type", "system"), {"id": "z"}]
    chunks = [Chunk.from_columns(extract_columns([r], V2), V2) for r in records]
    pd.testing.assert_frame_equal(chunks_to_frame(chunks, V2), v2(*records))


# ------------------------------------------------------------------ the schema objects


def test_shared_columns_come_first_with_v1_names_kinds_and_dtypes() -> None:
    assert list(V2.names[: len(SHARED)]) == SHARED
    assert [n for n in V1.names if n in V2.by_name] == SHARED
    v1_dtypes = dtypes()
    for name in SHARED:
        assert V2.by_name[name].kind == V1.by_name[name].kind
        assert V2_DTYPES[name] == v1_dtypes[name]
    assert V2.by_name["when"].path == ("action", "time")
    assert V2.by_name["actor_ip"].path == ("actor", "ip_address")
    assert V2.by_name["zone_name"].path == ("zone", "name")
    # v2's own columns are named by their wire path
    for col in V2.columns[len(SHARED) :]:
        assert col.name == "_".join(col.path), col.name
    assert all(c.description and "\n" not in c.description for c in V2.columns)


def test_v1_schema_is_the_old_globals() -> None:
    assert V1.columns is COLUMNS and V1.names == tuple(c.name for c in COLUMNS)
    assert V1.known_fields == KNOWN_FIELDS
    assert column("actor_email") is column("actor_email", V1) is V1.by_name["actor_email"]
    assert dict(V1.derived) == {"zone_name": "metadata"} and dict(V2.derived) == {}
    assert V2.known_fields == ("id", "action", "actor", "resource", "zone", "account", "raw")
    assert V2.nested_heads == V2.known_fields[1:]
    assert [c.name for c in V2.json_columns] == [
        "resource_scope",
        "resource_request",
        "resource_response",
    ]
    assert Schema("v1", COLUMNS, endpoint=V1.endpoint) == V1 and V1 != V2
    assert hash(V1) == hash(Schema("v1", COLUMNS, endpoint=V1.endpoint))


def test_column_lookup_names_the_schema() -> None:
    assert column("raw_uri", V2).wire == "raw.uri"
    with pytest.raises(KeyError, match="no column 'interface' in the v2 audit-log schema"):
        column("interface", V2)
    with pytest.raises(KeyError, match="no column 'raw_uri' in the audit-log schema"):
        column("raw_uri")


@pytest.mark.parametrize("bad", ["v2", None, COLUMNS])
def test_a_bad_schema_is_an_invalid_parameter(bad: Any) -> None:
    for call in (
        lambda: records_to_frame([FULL], schema=bad),
        lambda: empty_frame(bad),
        lambda: dtypes(bad),
        lambda: column_names(bad),
        lambda: schema_markdown(bad),
        lambda: column("id", bad),
        lambda: record_shape_problem([FULL], bad),
    ):
        with pytest.raises(InvalidParameterError) as info:
            call()
        assert info.value.parameter == "schema"


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ((Column("a", "string", ("a",), "."), Column("a", "string", ("b",), ".")), "repeat"),
        ((Column("a", "string", ("a", "b", "c"), "."),), "one or two keys"),
        ((Column("a", "boolean", ("a",), ".", true="yes"),), "go together"),
        ((Column("a", "string", ("a",), ".", true="y", false="n"),), "boolean columns"),
        ((Column("a", "string", ("a",), ".", any_json=True),), "json columns"),
        ((Column("a", "string", ("a",), ".", known=("x",)),), "category columns"),
    ],
)
def test_a_schema_checks_its_columns(columns: tuple[Column, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Schema("bad", columns)


def test_python_m_auditkit_frame_prints_both_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert print_schemas([]) == 0
    out = capsys.readouterr().out
    assert out.index(schema_markdown(V1)) < out.index(schema_markdown(V2))
    assert out.startswith("### The v1 frame\n\n| column |")
    assert print_schemas(["v2"]) == 0
    assert capsys.readouterr().out == schema_markdown(V2) + "\n"
    assert print_schemas(["v1"]) == 0
    assert capsys.readouterr().out == schema_markdown() + "\n"
    assert print_schemas(["v3"]) == 2
    assert "usage" in capsys.readouterr().err


# ------------------------------------------------------------------ any shape at all

values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),
        st.text(max_size=20),
        st.sampled_from(["", "success", "failure", "200", "2026-10-01T00:00:00Z"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
inner_objects = st.one_of(
    values,
    st.dictionaries(
        st.sampled_from(
            ["id", "name", "time", "type", "result", "status_code", "scope", "request", "email"]
        ),
        values,
        max_size=5,
    ),
)
v2_records = st.one_of(
    values,
    st.fixed_dictionaries(
        {},
        optional={
            k: inner_objects if k != "id" else values
            for k in ("id", "account", "action", "actor", "raw", "resource", "zone", "other")
        },
    ),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(v2_records, max_size=8))
def test_any_shape_loads_every_record_with_the_v2_schema(recs: list[Any]) -> None:
    known = {"id", "account", "action", "actor", "raw", "resource", "zone"}
    if recs and not any(type(r) is dict and known & r.keys() for r in recs):
        with pytest.raises(APIError, match=f"none of the {len(recs)} records"):
            v2(*recs)
        return
    df = v2(*recs)
    assert len(df) == len(recs)
    assert {c: str(t) for c, t in df.dtypes.items()} == V2_DTYPES
    assert df["action_result"].dropna().isin([True, False]).all()
    for name in ("resource_request", "resource_response"):
        assert all(v is None or isinstance(v, dict | list) for v in df[name])

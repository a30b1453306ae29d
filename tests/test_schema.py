"""The schema: fixture records load with the right values; odd shapes never break a load."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from auditkit.frame import (
    COLUMNS,
    V2,
    column_names,
    dtypes,
    empty_frame,
    records_to_frame,
    schema_markdown,
)

FIXTURE = Path(__file__).parent / "fixtures" / "real-audit-records.jsonl"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    records = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]
    return records_to_frame(records).set_index("id", drop=False)


def test_dtypes_are_the_schema(real: pd.DataFrame) -> None:
    expected = {
        "id": "string",
        "when": "datetime64[us, UTC]",
        "action_type": "category",
        "action_result": "boolean",
        "action_info": "string",
        "actor_id": "category",
        "actor_email": "category",
        "actor_ip": "category",
        "actor_type": "category",
        "interface": "category",
        "resource_id": "string",
        "resource_type": "category",
        "owner_id": "category",
        "zone_name": "category",
        "old_value": "string",
        "new_value": "string",
        "old_value_json": "json",
        "new_value_json": "json",
        "metadata": "json",
    }
    assert {c: str(t) for c, t in real.dtypes.items()} == expected
    assert {c: str(t) for c, t in empty_frame().dtypes.items()} == expected
    assert dtypes() == expected
    assert real["id"].dtype == pd.StringDtype("pyarrow")


def test_all_thirteen_fixture_records_load(real: pd.DataFrame) -> None:
    assert len(real) == 13
    assert real["id"].is_unique


def test_system_actor_record(real: pd.DataFrame) -> None:
    row = real.loc["2ce6e0db-5527-4870-8f66-8ede1cd38791"]
    assert row["actor_type"] == "system"
    assert row["actor_id"] == "1"
    assert pd.isna(row["actor_email"]) and pd.isna(row["actor_ip"])
    assert row["when"] == pd.Timestamp("2021-10-10T10:13:46.214209Z")
    assert row["new_value_json"]["min_tls_version"] == "TLSv1.0"
    assert row["old_value_json"] is None
    assert row["zone_name"] == "example.com"
    assert row["interface"] is pd.NA or pd.isna(row["interface"])


def test_null_literal_and_empty_values_are_missing(real: pd.DataFrame) -> None:
    row = real.loc["46256ba8-2188-432c-8f55-21cfd2caf7d6"]  # newValue/oldValue == "null"
    assert pd.isna(row["old_value"]) and pd.isna(row["new_value"])
    assert row["old_value_json"]["content"] == "firebase=frc-scout"
    assert row["action_type"] == "rec_del" and row["resource_type"] == "DNS_record"
    assert row["interface"] == "UI"
    assert row["resource_id"] == "10715065315"


def test_action_info_and_api_key(real: pd.DataFrame) -> None:
    row = real.loc["8d3396e8-c903-5a66-9421-00fc34570550"]
    assert row["action_info"].startswith("key digest: c6b5d100")
    assert row["action_type"] == "rotate_API_key"
    assert bool(row["action_result"]) is True
    assert row["metadata"] == {}


def test_setting_metadata_keeps_json_types(real: pd.DataFrame) -> None:
    row = real.loc["557dd5f0-829e-5567-9007-e5c5aeba7393"]
    assert row["metadata"] == {
        "name": "IPv6",
        "type": "network",
        "value": True,
        "zone_name": "example.com",
    }
    assert row["owner_id"] == "eojhfbg334i88zs2pr2rd7wr82jf2h95"


def test_ipv6_actor_and_whole_second_when(real: pd.DataFrame) -> None:
    row = real.loc["0c4c5855-e752-55df-8705-26baac6ac0ac"]
    assert row["actor_ip"] == "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6"
    assert row["when"] == pd.Timestamp("2021-05-10T12:26:19Z")
    assert row["actor_email"] == "user@example.com"


def test_actor_type_categories_always_include_known_values() -> None:
    df = records_to_frame([{"actor": {"type": "robot"}}])
    cats = list(df["actor_type"].cat.categories)
    assert cats == ["user", "admin", "Cloudflare", "system", "robot"]
    assert df.loc[0, "actor_type"] == "robot"


def test_odd_shapes_keep_every_record() -> None:
    records = [
        None,
        5,
        "text",
        {"when": 12, "actor": "x", "action": {"result": "yes", "type": 7}, "metadata": [1]},
        {"when": "not a date", "newValue": {"a": 1}, "oldValue": 3.5, "id": True},
        {"when": "2026-10-01T00:00:00.123456789Z", "extra": {"deep": [1, 2]}},
    ]
    df = records_to_frame(records)
    assert len(df) == 6
    assert df["when"].isna().tolist() == [True, True, True, True, True, False]
    assert df.loc[3, "action_type"] == "7"
    assert pd.isna(df.loc[3, "action_result"])
    assert df.loc[3, "metadata"] == [1]
    assert df.loc[4, "new_value"] == '{"a":1}'
    assert df.loc[4, "old_value"] == "3.5"
    assert df.loc[4, "id"] == "true"
    assert df.loc[5, "when"] == pd.Timestamp("2026-10-01T00:00:00.123456Z")


def test_empty_frame_has_every_column() -> None:
    df = empty_frame()
    assert list(df.columns) == column_names() == [c.name for c in COLUMNS]
    assert len(df) == 0


def test_readme_schema_table_is_generated_from_the_schema() -> None:
    readme = (ROOT / "README.md").read_text()
    assert schema_markdown() in readme
    # and the v2 frame's table, after v1's, in the same section
    assert schema_markdown(V2) in readme
    frame_section = readme[readme.index("## The frame") :]
    frame_section = frame_section[: frame_section.index("\n## ", 1)]
    assert frame_section.index(schema_markdown()) < frame_section.index(schema_markdown(V2))

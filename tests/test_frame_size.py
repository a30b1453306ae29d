"""Smaller frames (issue 13): low-cardinality text is dictionary-encoded, and stays so.

Which columns the schema encodes; bytes a row on real-shaped data and on the
sandbox's against ``pd.json_normalize``; the encoding through the window cache,
Parquet/CSV/JSON lines and :func:`auditkit.concat`; analyses giving the same
results as on plain text; chunks of an older cache (plain text) still reading.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import auditkit
from auditkit import analysis, sandbox
from auditkit.analysis._columns import _as_string
from auditkit.frame import V1, V2, read_frame, records_to_frame, write_frame
from auditkit.frame._chunk import Chunk, chunks_to_frame, extract_columns
from auditkit.frame._schema import with_account
from auditkit.store._windows import recent_tables

FIXTURE = Path(__file__).parent / "fixtures" / "real-audit-records.jsonl"

V1_ENCODED_TEXT = ["actor_id", "actor_email", "actor_ip", "owner_id", "zone_name"]
V2_ENCODED_TEXT = [
    "actor_id",
    "actor_email",
    "actor_ip",
    "zone_name",
    "account_id",
    "account_name",
    "actor_token_id",
    "actor_token_name",
    "raw_user_agent",
    "zone_id",
]
STRING = pd.StringDtype("pyarrow")


def real_shaped(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` records shaped like a real account: the 13 anonymised real records repeated.

    Each copy gets a new ``id`` and ``when`` (7 s apart); user actors are one of 5
    (email and id), their IP one of 300; ``metadata.zone_name`` one of 5 zones. The
    owner, resource ids and everything else are the fixture's.
    """
    base = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]
    rng = np.random.default_rng(seed)
    actors = [(f"user{i}@example.com", uuid.UUID(int=int(i) + 1).hex) for i in range(5)]
    ips = [f"89.160.{a}.{b}" for a, b in rng.integers(0, 256, size=(300, 2)).tolist()]
    zones = [f"zone{i}.example.com" for i in range(5)]
    t0 = pd.Timestamp("2026-10-01", tz="UTC")
    out = []
    for i in range(n):
        r = json.loads(json.dumps(base[i % len(base)]))
        r["id"] = str(uuid.UUID(int=int(rng.integers(0, 2**63)) * 2**64 + i))
        r["when"] = (t0 + pd.Timedelta(seconds=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        actor = r["actor"]
        if actor.get("type") == "user":
            actor["email"], actor["id"] = actors[i * 7 % 5]
            actor["ip"] = ips[int(rng.integers(0, 300))]
        if isinstance(r.get("metadata"), dict) and "zone_name" in r["metadata"]:
            r["metadata"]["zone_name"] = zones[i % 5]
        out.append(r)
    return out


def per_row(df: pd.DataFrame) -> float:
    return float(df.memory_usage(deep=True).sum()) / len(df)


def load(sb: Any, **kwargs: Any) -> pd.DataFrame:
    kwargs.setdefault("cache", False)
    return auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, progress=False, **kwargs)


@pytest.fixture(scope="module")
def sb() -> Any:
    with sandbox.start(anchor="2026-11-01T00:00:00Z") as server:
        yield server


@pytest.fixture(scope="module")
def loaded(sb: Any) -> pd.DataFrame:
    return load(sb, since="2026-09-01", before="2026-11-01")


# ------------------------------------------------------------------ the schema decides


def test_the_schema_decides_which_text_is_dictionary_encoded() -> None:
    v1 = [c.name for c in V1.columns if c.kind == "category"]
    assert v1 == [
        "action_type",
        "actor_id",
        "actor_email",
        "actor_ip",
        "actor_type",
        "interface",
        "resource_type",
        "owner_id",
        "zone_name",
    ]
    assert [c.name for c in V1.columns if c.kind == "string"] == [
        "id",
        "action_info",
        "resource_id",
        "old_value",
        "new_value",
    ]
    v2 = [c.name for c in V2.columns if c.kind == "category"]
    assert set(V2_ENCODED_TEXT) <= set(v2)
    assert [c.name for c in V2.columns if c.kind == "string"] == [
        "id",
        "resource_id",
        "action_description",
        "raw_cf_ray_id",
        "raw_uri",
    ]
    assert with_account(V1).column("account_id").kind == "category"
    empty = auditkit.empty_frame()
    assert [n for n in V1_ENCODED_TEXT if str(empty[n].dtype) == "category"] == V1_ENCODED_TEXT
    for name in V1_ENCODED_TEXT:
        assert empty[name].cat.categories.dtype == STRING


# ------------------------------------------------------------------ bytes a row


def test_real_shaped_frame_is_at_most_040x_json_normalize() -> None:
    records = real_shaped(20_000)
    df = records_to_frame(records)
    norm = pd.json_normalize(records)
    ratio = per_row(df) / per_row(norm)
    assert ratio <= 0.40, f"{per_row(df):.0f} B/row against {per_row(norm):.0f}: {ratio:.2f}x"
    usage = df.memory_usage(deep=True) / len(df)
    # One owner, five actors, five zones: a one-byte code a row and the texts once.
    for name in ("owner_id", "actor_id", "actor_email", "zone_name"):
        assert df[name].cat.codes.dtype == np.int8
        assert usage[name] < 1.1, (name, usage[name])
    assert df["owner_id"].nunique() == 2 and df["actor_email"].nunique() == 5
    # Hundreds of IPs: two-byte codes, and each IP's text once.
    ips = {r["actor"]["ip"] for r in records if "ip" in r["actor"]}
    assert 250 < len(ips) <= 300 and df["actor_ip"].nunique() == len(ips)
    assert df["actor_ip"].cat.codes.dtype == np.int16 and usage["actor_ip"] < 2.5


def test_sandbox_frame_is_at_most_half_of_json_normalize(sb: Any, loaded: pd.DataFrame) -> None:
    records = [
        r
        for r in sb.records
        if pd.Timestamp("2026-09-01", tz="UTC") <= pd.Timestamp(r["when"])
        and pd.Timestamp(r["when"]) < pd.Timestamp("2026-11-01", tz="UTC")
    ]
    norm = pd.json_normalize(records)
    assert len(norm) == len(loaded) > 1000
    assert per_row(loaded) / per_row(norm) <= 0.5
    for name in V1_ENCODED_TEXT:
        assert str(loaded[name].dtype) == "category"
        assert loaded[name].memory_usage(deep=True) / len(loaded) < 3


# ------------------------------------------------------------------ kept through everything


def test_the_window_cache_stores_the_encoding_and_gives_the_same_frame(
    sb: Any, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite"
    cold = load(sb, since="2026-10-01", before="2026-10-15", cache=cache)
    warm = load(sb, since="2026-10-01", before="2026-10-15", cache=cache)
    assert warm.attrs["cache_hit"] and warm.attrs["requests"] == 0
    pd.testing.assert_frame_equal(warm, cold)
    for name in V1_ENCODED_TEXT:
        assert str(warm[name].dtype) == "category"
    tables = recent_tables(cache, 100)
    assert tables
    for table in tables:
        for name in [*V1_ENCODED_TEXT, "action_type", "metadata"]:
            assert pa.types.is_dictionary(table.schema.field(name).type), name
        assert table.schema.field("id").type == pa.string()


def test_files_keep_the_dtypes(loaded: pd.DataFrame, tmp_path: Path) -> None:
    for fmt in ("parquet", "csv", "jsonl"):
        back = read_frame(write_frame(loaded, tmp_path / f"x.{fmt}"))
        pd.testing.assert_frame_equal(back, loaded, obj=fmt)


def test_plain_chunks_of_an_older_cache_make_the_same_frame() -> None:
    records = real_shaped(300)
    plain = Chunk.from_columns(extract_columns(records[:200]))
    encoded = Chunk.from_columns(extract_columns(records[200:])).encoded()
    assert not pa.types.is_dictionary(plain.table.schema.field("actor_ip").type)
    both = Chunk.concat([plain, encoded])
    assert pa.types.is_dictionary(both.table.schema.field("actor_ip").type)
    pd.testing.assert_frame_equal(chunks_to_frame([both]), records_to_frame(records))


def test_cleaning_and_slicing_leave_no_stray_categories() -> None:
    records = [
        {"id": "a", "actor": {"ip": ""}, "metadata": {"zone_name": "a.example"}},
        {"id": "b", "actor": {"ip": "10.0.0.1"}, "oldValue": "null"},
        {"id": "c", "actor": {"ip": "10.0.0.2"}, "metadata": {"zone_name": "c.example"}},
    ]
    chunk = Chunk.from_columns(extract_columns(records)).encoded()
    df = chunks_to_frame([Chunk(chunk.table.slice(1))])
    assert df["actor_ip"].cat.categories.tolist() == ["10.0.0.1", "10.0.0.2"]
    assert df["zone_name"].cat.categories.tolist() == ["c.example"]
    assert df["old_value"].isna().all()
    # The JSON column keeps only the texts its rows hold, not the whole chunk's.
    assert df["metadata"].tolist() == [None, {"zone_name": "c.example"}]
    assert len(df["metadata"].array.texts) == 1
    whole = chunks_to_frame([chunk])
    assert whole["actor_ip"].isna().tolist() == [True, False, False]
    assert "" not in whole["actor_ip"].cat.categories


# ------------------------------------------------------------------ auditkit.concat


def test_concat_keeps_categories_where_pd_concat_loses_them(sb: Any, loaded: pd.DataFrame) -> None:
    early = load(sb, since="2026-09-01", before="2026-10-15")
    late = load(sb, since="2026-10-15", before="2026-11-01")
    differ = [
        n
        for n in V1.names
        if isinstance(early[n].dtype, pd.CategoricalDtype) and early[n].dtype != late[n].dtype
    ]
    assert {"action_type", "actor_ip"} <= set(differ)
    lost = pd.concat([late, early], ignore_index=True)
    assert [n for n in differ if str(lost[n].dtype) == "category"] == []
    both = auditkit.concat([late, early])
    assert [n for n in differ if str(both[n].dtype) != "category"] == []
    # Newest first, like the one load of the whole range: the same frame.
    pd.testing.assert_frame_equal(both.drop_duplicates("id", ignore_index=True), loaded)
    assert both["actor_type"].cat.categories.tolist()[:4] == [
        "user",
        "admin",
        "Cloudflare",
        "system",
    ]
    assert both.attrs["api"] == "v1" and both.attrs["scope"] == early.attrs["scope"]
    assert [p["query"] for p in both.attrs["parts"]] == [late.attrs["query"], early.attrs["query"]]
    assert "query" not in both.attrs and "upper_bound" not in both.attrs


def test_concat_of_empty_and_one_frame() -> None:
    one = records_to_frame(real_shaped(20))
    out = auditkit.concat([auditkit.empty_frame(), one])
    pd.testing.assert_frame_equal(out, one)
    assert auditkit.concat([one]).index.equals(pd.RangeIndex(20))


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (None, "must be a list of audit-log frames, not NoneType"),
        (pd.DataFrame(), "must be a list of audit-log frames, not DataFrame"),
        ([], "must hold at least one frame"),
        ([auditkit.empty_frame(), "x"], "item 1 is a str, not a pandas DataFrame"),
        (
            [auditkit.empty_frame(), auditkit.empty_frame(V2)],
            "frame 1 has other columns than frame 0",
        ),
        (
            [auditkit.empty_frame(), auditkit.empty_frame()[list(reversed(V1.names))]],
            "has them in another order",
        ),
    ],
)
def test_concat_refuses_what_is_not_frames_of_one_schema(frames: Any, message: str) -> None:
    with pytest.raises(auditkit.InvalidParameterError, match="frames") as info:
        auditkit.concat(frames)
    assert message in str(info.value)
    assert info.value.parameter == "frames"


# ------------------------------------------------------------------ analyses agree


def _as_plain(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    return df.astype({n: STRING for n in names})


def test_analyses_give_the_same_results_on_encoded_and_plain_text(loaded: pd.DataFrame) -> None:
    plain = _as_plain(loaded, V1_ENCODED_TEXT)
    assert str(plain["actor_ip"].dtype) == "string"
    for name, call in [
        ("activity_by_actor", lambda d: analysis.activity_by_actor(d)),
        ("new_ips", lambda d: analysis.new_ips(d, "0D")),
        ("change_timeline", lambda d: analysis.change_timeline(d)),
        ("risky_changes", lambda d: analysis.risky_changes(d)),
        ("over_time", lambda d: analysis.activity_over_time(d, freq="D", by="zone_name")),
    ]:
        pd.testing.assert_frame_equal(call(loaded), call(plain), obj=name)
    pd.testing.assert_series_equal(analysis.actor_label(loaded), analysis.actor_label(plain))
    risky = analysis.risky_changes(loaded)
    assert "example.com" in set(risky["zone_name"].dropna())


def test_as_string_of_a_categorical_is_what_astype_gives() -> None:
    s = pd.Series(pd.Categorical(["b", None, "a", "b"], categories=["b", "a", "z"]), name="ip")
    s.index = [10, 11, 12, 13]
    got = _as_string(s)
    pd.testing.assert_series_equal(got, s.astype(STRING))
    numbers = pd.Series(pd.Categorical([3, None, 1]))
    assert _as_string(numbers).tolist() == ["3", pd.NA, "1"]
    encoded = pc.dictionary_encode(pa.array(["x", None]))
    assert encoded.dictionary.to_pylist() == ["x"]

"""The Parquet archive on a local folder: sync, read, info, combine, against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import sandbox
from auditkit.archive import info, load_with_archive, read_archive, sync_archive
from auditkit.archive._manifest import Manifest
from auditkit.errors import ArchiveError, AuditKitError, InvalidParameterError

ANCHOR = "2026-11-01T00:00:00Z"


@pytest.fixture(scope="module")
def sb2() -> Iterator[Any]:
    """Two accounts (v1 and v2 logs each), shared by the module (read-only)."""
    with sandbox.start(anchor=ANCHOR, accounts=2) as server:
        yield server


def creds(server: Any) -> dict[str, Any]:
    return {"base_url": server.base_url, "token": server.token, "cache": False, "progress": False}


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet"))


def test_sync_then_read_equals_the_load_v1(sb: Any, tmp_path: Path) -> None:
    dest = tmp_path / "archive"
    result = sync_archive(dest, **creds(sb))
    loaded = auditkit.load_audit_logs(**creds(sb))
    assert result.rows == len(loaded) == 3853
    assert result.days == loaded["when"].dt.strftime("%Y-%m-%d").nunique()
    assert result.files == result.days  # one file per stream and day
    assert result.bytes == sum(p.stat().st_size for p in parquet_files(dest))
    back = read_archive(dest)
    pd.testing.assert_frame_equal(back, loaded)
    assert back.attrs["api"] == "v1" and back.attrs["scope"] == "user"
    assert back.attrs["upper_bound"] == result.watermark
    # every file sits in the layout: api=v1/account=user/day=YYYY-MM-DD/
    days = {p.parent.name for p in parquet_files(dest)}
    assert all(p.parent.parent.name == "account=user" for p in parquet_files(dest))
    assert days == {"day=" + d for d in loaded["when"].dt.strftime("%Y-%m-%d")}


@pytest.mark.parametrize(
    "filters",
    [
        {"since": "2026-10-01", "actor_email": "MICHELLE@example.com"},
        {"zone_name": "EXAMPLE.com", "direction": "asc"},
        {"actor_ip": "198.51.100.0/24"},
        {"action_type": "login", "before": "2026-09-01"},
        {"since": "2026-10-20", "before": "2026-10-27T12:00:00Z"},
    ],
)
def test_read_with_filters_equals_the_load_with_them(
    sb: Any, tmp_path_factory: pytest.TempPathFactory, filters: dict[str, Any]
) -> None:
    dest = tmp_path_factory.getbasetemp() / "shared-v1"
    if not dest.exists():
        sync_archive(dest, **creds(sb))
    back = read_archive(dest, **filters)
    loaded = auditkit.load_audit_logs(**creds(sb), **filters)
    assert len(loaded) > 0 or filters.get("actor_ip")
    pd.testing.assert_frame_equal(back, loaded)


def test_a_narrow_read_opens_only_the_days_it_needs(sb: Any, tmp_path: Path) -> None:
    dest = tmp_path / "a"
    sync_archive(dest, **creds(sb))
    week = read_archive(dest, since="2026-10-20", before="2026-10-27")
    everything = read_archive(dest)
    assert week.attrs["files"] == 7 - len(
        [g for s in info(dest).streams for g in s.gaps if "2026-10-20" <= g < "2026-10-27"]
    )
    assert week.attrs["bytes"] < everything.attrs["bytes"] / 10


def test_v2_several_accounts_and_their_filters(sb2: Any, tmp_path: Path) -> None:
    dest = tmp_path / "v2"
    first = sync_archive(dest, api="v2", account_id="*", since="2026-09-01", **creds(sb2))
    assert set(first.streams) == {f"v2/{a}" for a in sb2.account_ids}
    accounts = {p.name for p in (dest / "api=v2").iterdir()}
    assert accounts == {f"account={a}" for a in sb2.account_ids}
    loaded = auditkit.load_audit_logs(api="v2", account_id="*", since="2026-09-01", **creds(sb2))
    back = read_archive(dest)  # api: the only one held
    # a read of several accounts orders rows as a load of several accounts does
    pd.testing.assert_frame_equal(back, loaded)
    one = sb2.account_ids[1]
    kw = {"action_type": ["delete", "update"], "exclude": {"zone_name": "example.com"}}
    pd.testing.assert_frame_equal(
        read_archive(dest, account_id=one, **kw),
        auditkit.load_audit_logs(api="v2", account_id=one, since="2026-09-01", **kw, **creds(sb2)),
    )
    assert sync_archive(dest, api="v2", account_id="*", **creds(sb2)).rows == 0


def test_v1_several_accounts_get_an_account_column(sb2: Any, tmp_path: Path) -> None:
    dest = tmp_path / "v1acc"
    sync_archive(dest, account_id=list(sb2.account_ids), since="2026-10-01", **creds(sb2))
    loaded = auditkit.load_audit_logs(
        account_id=list(sb2.account_ids), since="2026-10-01", **creds(sb2)
    )
    back = read_archive(dest, account_id=list(sb2.account_ids))
    pd.testing.assert_frame_equal(back, loaded)
    single = read_archive(dest, account_id=sb2.account_ids[0])
    assert "account_id" not in single.columns
    for path in parquet_files(dest):  # the partition says the account; files hold V1's columns
        assert "account_id" not in pd.read_parquet(path).columns


def test_a_second_sync_writes_nothing_and_late_entries_are_caught_once(tmp_path: Path) -> None:
    records = sandbox.generate_records(anchor=ANCHOR)[:300]
    with sandbox.start(records=records) as server:
        dest = tmp_path / "late"
        first = sync_archive(dest, **creds(server))
        manifest = json.loads((dest / "_auditkit_archive.json").read_text())
        files = parquet_files(dest)
        again = sync_archive(dest, **creds(server))
        assert (again.rows, again.files, again.bytes) == (0, 0, 0)
        assert parquet_files(dest) == files
        mark = pd.Timestamp(
            json.loads((dest / "_auditkit_archive.json").read_text())["streams"]["v1/user"][
                "watermark"
            ]
        )
        late = {
            **records[0],
            "id": "late-entry-1",
            "when": (mark - pd.Timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        server.add_records([late])
        third = sync_archive(dest, **creds(server))
        assert (third.rows, third.files) == (1, 1)
        assert sync_archive(dest, **creds(server)).rows == 0
        back = read_archive(dest)
        assert len(back) == first.rows + 1 == back["id"].nunique()
        assert manifest["format"] == "auditkit-archive" and manifest["version"] == 1


def test_entries_that_aged_out_of_the_api_stay(tmp_path: Path) -> None:
    records = sandbox.generate_records(anchor=ANCHOR)[:200]
    dest = tmp_path / "aged"
    with sandbox.start(records=records) as server:
        sync_archive(dest, **creds(server))
    newer = {**records[0], "id": "after-the-purge", "when": "2026-11-15T00:00:00Z"}
    with sandbox.start(records=[newer]) as server:  # the API lost the old entries
        added = sync_archive(dest, overlap="400D", **creds(server))
    assert added.rows == 1
    back = read_archive(dest)
    assert len(back) == 201 and "after-the-purge" in set(back["id"])


def test_other_filters_on_the_same_stream_fail_safe(sb: Any, tmp_path: Path) -> None:
    dest = tmp_path / "f"
    sync_archive(dest, zone_name="example.com", since="2026-10-01", **creds(sb))
    before = sorted(p.name for p in parquet_files(dest))
    with pytest.raises(InvalidParameterError) as info_:
        sync_archive(dest, since="2026-10-01", **creds(sb))
    assert info_.value.parameter == "zone_name"
    assert "example.com" in str(info_.value)
    assert sorted(p.name for p in parquet_files(dest)) == before
    # the same filters: fine
    assert sync_archive(dest, zone_name="example.com", **creds(sb)).rows == 0


def test_duckdb_reads_exactly_the_committed_rows(sb: Any, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    dest = tmp_path / "duck"
    sync_archive(dest, **creds(sb))
    (dest / "api=v1/account=user/day=2026-10-01/part-x.parquet.tmp").write_bytes(b"junk")
    rel = duckdb.sql(
        f'select id, "when", actor_email, account, api, day from read_parquet('
        f"'{dest}/**/*.parquet', hive_partitioning = true) order by \"when\" desc, id desc"
    )
    rows = rel.fetchall()
    back = read_archive(dest)
    assert [r[0] for r in rows] == back["id"].tolist()
    assert [r[2] for r in rows] == back["actor_email"].astype(object).where(
        back["actor_email"].notna(), None
    ).tolist()
    assert {(r[3], r[4]) for r in rows} == {("user", "v1")}
    assert [str(r[5]) for r in rows] == back["when"].dt.strftime("%Y-%m-%d").tolist()
    assert [pd.Timestamp(r[1]).tz_convert("UTC") for r in rows] == back["when"].tolist()


def test_the_token_is_never_written(fresh_sb: Any, tmp_path: Path) -> None:
    dest = tmp_path / "secret"
    sync_archive(dest, **creds(fresh_sb))
    token = fresh_sb.token.encode()
    for path in dest.rglob("*"):
        if path.is_file():
            assert token not in path.read_bytes(), path
    assert fresh_sb.base_url.encode() not in (dest / "_auditkit_archive.json").read_bytes()


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda d: sync_archive(d, overlap="soon", token="t"), "overlap"),
        (lambda d: sync_archive(d, overlap="-1h", token="t"), "overlap"),
        (lambda d: sync_archive(d, wait=-1, token="t"), "wait"),
        (lambda d: sync_archive(d, progress="yes", token="t"), "progress"),
        (lambda d: sync_archive(d, api="v3", token="t"), "api"),
        (lambda d: sync_archive(d, actr_email="x", token="t"), "actr_email"),
        (lambda d: sync_archive(d, direction="asc", token="t"), "direction"),
        (lambda d: sync_archive(d, since="yesterday-ish", token="t"), "since"),
        (lambda d: sync_archive(d, resource_product="dns", token="t"), "resource_product"),
        (lambda d: sync_archive(3, token="t"), "dest"),  # type: ignore[arg-type]
        (lambda d: read_archive(d, actr_email="x"), "actr_email"),
        (lambda d: read_archive(d, hide_user_logs=True), "hide_user_logs"),
        (lambda d: read_archive(d, since="2026-10-02", before="2026-10-01"), "since"),
        (lambda d: read_archive(d, api="v3"), "api"),
        (lambda d: read_archive(d, account_id=[3]), "account_id"),
    ],
)
def test_bad_arguments_name_the_parameter_before_any_request(
    tmp_path: Path, call: Any, param: str
) -> None:
    dest = tmp_path / "bad"
    dest.mkdir()
    (dest / "_auditkit_archive.json").write_bytes(Manifest.empty().to_bytes())
    with pytest.raises(InvalidParameterError) as caught:
        call(dest)
    assert caught.value.parameter == param


def test_no_archive_and_a_foreign_manifest_are_archive_errors(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="no archive here"):
        read_archive(tmp_path)
    (tmp_path / "_auditkit_archive.json").write_text('{"format": "something-else"}')
    with pytest.raises(ArchiveError, match="not an auditkit archive"):
        read_archive(tmp_path)
    (tmp_path / "_auditkit_archive.json").write_text('{"format": "auditkit-archive", "vers')
    with pytest.raises(ArchiveError, match="not JSON"):
        info(tmp_path)
    (tmp_path / "_auditkit_archive.json").write_text('{"format": "auditkit-archive", "version": 9}')
    with pytest.raises(ArchiveError, match="version 9"):
        sync_archive(tmp_path, token="t", base_url="http://127.0.0.1:9/client/v4", progress=False)


def test_a_mix_of_v1_and_v2_is_refused_naming_api(sb: Any, tmp_path: Path) -> None:
    dest = tmp_path / "mix"
    sync_archive(dest, since="2026-10-25", **creds(sb))
    sync_archive(dest, api="v2", account_id=sb.account_id, since="2026-10-25", **creds(sb))
    assert {p.name for p in dest.iterdir() if p.is_dir()} == {"api=v1", "api=v2"}
    with pytest.raises(InvalidParameterError) as caught:
        read_archive(dest)
    assert caught.value.parameter == "api"
    assert len(read_archive(dest, api="v2")) == len(
        auditkit.load_audit_logs(
            api="v2", account_id=sb.account_id, since="2026-10-25", **creds(sb)
        )
    )


def test_info_summarises_from_the_manifest(sb: Any, tmp_path: Path) -> None:
    dest = tmp_path / "info"
    result = sync_archive(dest, since="2026-10-01", **creds(sb))
    summary = info(dest)
    loaded = auditkit.load_audit_logs(since="2026-10-01", **creds(sb))
    assert (summary.rows, summary.files, summary.bytes) == (len(loaded), result.files, result.bytes)
    assert summary.oldest == loaded["when"].min().isoformat()
    assert summary.newest == loaded["when"].max().isoformat()
    stream = summary.streams[0]
    have = set(loaded["when"].dt.strftime("%Y-%m-%d"))
    every = pd.date_range(min(have), max(have)).strftime("%Y-%m-%d")
    assert stream.gaps == [d for d in every if d not in have]
    assert (summary.pending, summary.orphans) == ([], [])
    assert json.dumps(summary.as_dict())  # plain values, for the CLI


def test_load_with_archive_joins_the_archive_and_the_api(tmp_path: Path) -> None:
    records = sandbox.generate_records(anchor=ANCHOR)
    old, recent = records[1000:], records[:1000]
    dest = tmp_path / "combo"
    with sandbox.start(records=old) as server:
        sync_archive(dest, **creds(server))
    with sandbox.start(records=recent) as server:  # the old entries aged out of the API
        server.add_records([old[0]])  # and one archived entry is served again
        both = load_with_archive(dest, overlap="400D", **creds(server))
        assert len(both) == len(records) == both["id"].nunique()
        with sandbox.start(records=records) as full:
            expected = auditkit.load_audit_logs(**creds(full))
        pd.testing.assert_frame_equal(both, expected)
        assert both.attrs["archive_rows"] == len(old)
        with pytest.raises(InvalidParameterError) as caught:
            sync_archive(tmp_path / "z", zone_name="example.com", **creds(server))
            load_with_archive(tmp_path / "z", **creds(server))
        assert caught.value.parameter == "zone_name"


def test_every_error_is_an_auditkit_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a file, not a folder")
    with pytest.raises(AuditKitError):
        sync_archive(
            tmp_path / "f",
            token="t",
            base_url="http://127.0.0.1:9/client/v4",
            progress=False,
            cache=False,
        )


def test_a_read_builds_the_loaders_categories_and_json_values(sb: Any, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    dest = tmp_path / "typed"
    sync_archive(dest, **creds(sb))
    back = read_archive(dest, since="2026-10-01")
    loaded = auditkit.load_audit_logs(since="2026-10-01", **creds(sb))
    for name in ("actor_ip", "actor_type", "zone_name", "action_type"):
        # the loader's categories: known values first, then the others rows hold, sorted
        assert back[name].cat.categories.tolist() == loaded[name].cat.categories.tolist()
        assert str(back[name].cat.categories.dtype) == "string"
    read = [p for p in parquet_files(dest) if p.parent.name >= "day=2026-09-30"]
    for name in ("metadata", "old_value_json", "new_value_json"):
        arr = back[name].array
        texts = arr.texts.to_pylist()
        # the files' texts one after the other (no text hashed): each file's once, only
        # texts rows hold, so a text some files share is held once per file
        per_file = [len(pq.read_table(p, columns=[name]).column(name).unique().drop_null())
                    for p in read]  # fmt: skip
        assert back[name].astype("string").nunique() <= len(texts) <= sum(per_file)
        assert set(arr.codes[arr.codes >= 0].tolist()) == set(range(len(texts)))
        # every operation takes the copies as one value, as the loaded frame's one text
        assert back[name].tolist() == loaded[name].tolist()
        assert back[name].nunique() == loaded[name].nunique()
        counts, want = back[name].value_counts(), loaded[name].value_counts()
        assert counts.index.tolist() == want.index.tolist() and counts.tolist() == want.tolist()
        assert back[name].unique().tolist() == loaded[name].unique().tolist()
        assert back[name].duplicated().tolist() == loaded[name].duplicated().tolist()
        order = back[name].sort_values(kind="stable").index.tolist()
        assert order == loaded[name].sort_values(kind="stable").index.tolist()
    # at least one column held a text from several files (the case this test is about)
    assert any(len(set(back[n].array.texts.to_pylist())) < len(back[n].array.texts)
               for n in ("metadata", "old_value_json", "new_value_json"))  # fmt: skip


@pytest.mark.parametrize("how", ["typed null", "absent"])
def test_a_read_keeps_the_values_of_files_after_one_without_them(
    sb: Any, tmp_path: Path, how: str
) -> None:
    """The first file read gives the dataset's schema: a column with no value there
    (typed ``null`` by Arrow) or none at all would make every file's values of that
    column missing."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from auditkit.archive import _commit
    from auditkit.archive._read import select_files
    from auditkit.storage import open_location

    dest = tmp_path / how.replace(" ", "-")
    sync_archive(dest, **creds(sb))
    expected = read_archive(dest)
    manifest, _ = _commit.read_state(open_location(dest, None, param="dest"))
    first = dest / select_files(manifest, "v1", ["user"], None, None)[0].path
    table = pq.read_table(first)
    # the first file's zone names gone, as Arrow types a column with no value: null
    nulls = pa.DictionaryArray.from_arrays(
        pa.nulls(table.num_rows, pa.int32()), pa.array([], pa.null())
    )
    index = table.schema.get_field_index("zone_name")
    if how == "absent":
        pq.write_table(table.remove_column(index), first)
    else:
        pq.write_table(table.set_column(index, pa.field("zone_name", nulls.type), nulls), first)
    back = read_archive(dest)
    rows = len(table)
    assert back["zone_name"].iloc[:rows].isna().all()
    assert back["zone_name"].iloc[rows:].tolist() == expected["zone_name"].iloc[rows:].tolist()
    assert expected["zone_name"].iloc[rows:].notna().sum() > 100


def test_files_hold_32_bit_indices_and_only_their_own_values(sb: Any, tmp_path: Path) -> None:
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    dest = tmp_path / "compact"
    sync_archive(dest, **creds(sb))
    files = parquet_files(dest)
    for path in files[:: max(1, len(files) // 10)]:
        table = pq.read_table(path)
        frame = pd.read_parquet(path)
        for field in table.schema:
            if pa_is_dictionary(field.type):
                assert str(field.type.index_type) == "int32", (path, field.name)
                values = table.column(field.name).chunk(0).dictionary.to_pylist()
                held = set(
                    table.column(field.name).drop_null().cast(field.type.value_type).to_pylist()
                )
                assert set(values) == held, (path, field.name)  # compact: no other value
        assert len(frame) == pq.ParquetFile(path).metadata.num_rows
    whole = ds.dataset(str(dest / "api=v1"), format="parquet", partitioning="hive").to_table()
    assert whole.num_rows == sum(pq.ParquetFile(p).metadata.num_rows for p in files)


def pa_is_dictionary(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_dictionary(kind))


def test_a_sync_finishes_the_last_commit_of_another_stream(sb2: Any, tmp_path: Path) -> None:
    from auditkit.archive._layout import STAGED

    dest = tmp_path / "two"
    one, other = sb2.account_ids
    sync_archive(dest, account_id=one, since="2026-10-25", **creds(sb2))
    committed = parquet_files(dest)
    # killed between the commit and the renames: the committed files still staged
    for path in committed:
        path.rename(path.with_name(path.name + STAGED))
    # a staged file no manifest lists, in each stream's folder (killed while staging)
    stray = dest / f"api=v1/account={one}/day=2026-10-30/part-x-0.parquet{STAGED}"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half a file")
    (dest / f"api=v1/account={other}/day=2026-10-30").mkdir(parents=True)
    stray_other = dest / f"api=v1/account={other}/day=2026-10-30/part-y-0.parquet{STAGED}"
    stray_other.write_bytes(b"half a file")
    assert len(read_archive(dest, account_id=one)) > 0  # committed: read under staged names
    sync_archive(dest, account_id=other, since="2026-10-25", **creds(sb2))
    # the last commit's files are renamed, whatever stream they are in
    assert set(committed) <= set(parquet_files(dest))
    assert not stray_other.exists()  # the synced stream's folder is cleaned
    # another stream's uncommitted file waits for a sync of that stream; info shows it
    assert stray.exists()
    assert info(dest).pending == [stray.relative_to(dest).as_posix()]
    sync_archive(dest, account_id=one, since="2026-10-25", **creds(sb2))
    assert not stray.exists() and info(dest).pending == []

"""Every decoding path of :mod:`auditkit.sources.v2._wire` gives the general path's frame.

The reference is the general path, built here from the frame layer alone: the
body made valid UTF-8 and decoded into plain values (:mod:`auditkit.http._body`),
its records typed by :func:`~auditkit.frame._chunk.extract_columns` and
:meth:`~auditkit.frame._chunk.Chunk.from_columns` with the ``V2`` schema. Each
body is typed by every path that can type it (``arrow``: pyarrow's JSON reader;
``struct``: msgspec structs; ``general``: the payload's own general path) and as
the loader types it (:meth:`V2Payload.prepare`, then :attr:`V2Payload.rows`),
and each must give the reference frame (JSON columns compared by value *and*
by canonical text), the same ids, and the same warnings; the path the loader
takes is checked too.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd
import pytest

from auditkit import sandbox
from auditkit.errors import APIError
from auditkit.frame import V2
from auditkit.frame._chunk import Chunk, chunks_to_frame, extract_columns
from auditkit.frame._records import record_shape_problem
from auditkit.http._body import decode, decode_loose, valid_utf8
from auditkit.http._envelope import hashable_id
from auditkit.sources.v2 import _columns, _layout, decode_body, rows_of
from auditkit.sources.v2 import _wire as wire

FIXTURES = Path("/work/shared/fixtures")
BAD = "@@BAD@@"  # stands for one byte that is not UTF-8 (0xff) in the body
SURROGATE = "@@SUR@@"  # stands for an escaped lone surrogate (\ud800) in the body
JSON_COLUMNS = [c.name for c in V2.columns if c.kind == "json"]
PATHS = ("arrow", "struct", "general")


# ------------------------------------------------------------------ helpers


def body_of(records: Any, *, indent: bool = False) -> bytes:
    """A response body holding ``records``, with :data:`BAD` and :data:`SURROGATE` put in."""
    data = {"success": True, "errors": [], "result_info": {"count": "x"}, "result": records}
    text = json.dumps(data, indent=2) if indent else msgspec.json.encode(data).decode()
    return (
        text.replace(BAD, "\\u00ff")
        .encode()
        .replace(b"\\u00ff", b"\xff")
        .replace(SURROGATE.encode(), b"\\ud800")
    )


def canonical(value: Any) -> bytes:
    """JSON text with sorted keys: tells ``1`` from ``1.0`` from ``true``."""
    return msgspec.json.encode(value, order="sorted")


def assert_same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected)
    for name in JSON_COLUMNS:
        assert [canonical(v) for v in got[name]] == [canonical(v) for v in expected[name]], name


def quietly(make: Callable[[], Any]) -> tuple[Any, int]:
    """``make()`` (an exception is returned, not raised) and how many RuntimeWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = make()
        except APIError as exc:
            out = exc
    return out, sum(issubclass(w.category, RuntimeWarning) for w in caught)


def reference(body: bytes) -> tuple[pd.DataFrame | APIError | None, list[Any] | None]:
    """The general path's frame (or its refusal) and ids, from the frame layer alone."""
    data = decode_loose(valid_utf8(body))
    result = data.get("result")
    if result is None:
        result = []
    if not isinstance(result, list):
        return None, None
    ids = [hashable_id(r.get("id")) if isinstance(r, dict) else None for r in result]
    problem = record_shape_problem(result, V2)
    if problem is not None:
        return APIError(problem), ids
    frame = chunks_to_frame([Chunk.from_columns(extract_columns(result, V2), V2)], V2)
    return frame, ids


def path_taken(body: bytes) -> str:
    """Which decoder types ``body``'s records as the loader reads it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        payload = decode_body(body)
        if payload.ids is None or payload._records is not None:  # decided with the envelope
            return "general"
        if not payload.ids:
            return "empty"  # no records to type
        if _columns._arrow_columns(payload._body, payload._cut or []) is not None:
            return "arrow"
        try:
            decode(_layout._RECORDS, payload._body)
        except msgspec.ValidationError:
            return "general"
        return "struct"


def frames(body: bytes) -> Iterator[tuple[str, Callable[[], pd.DataFrame]]]:
    """Every way to type ``body``: each path that can, and as the loader does."""

    def loaded() -> pd.DataFrame:
        payload = decode_body(body)
        payload.prepare()
        rows = payload.rows
        assert rows is not None
        return chunks_to_frame([rows], V2)

    def arrow() -> pd.DataFrame:
        payload = decode_body(body)
        return chunks_to_frame([_columns._arrow_rows(payload._body, payload._cut)], V2)

    def struct() -> pd.DataFrame:
        payload = decode_body(body)
        records = decode(_layout._RECORDS, payload._body).result
        return chunks_to_frame([_columns._struct_rows(records)], V2)

    yield "loaded", loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        payload = decode_body(body)
    if payload._records is None and payload._cut:
        if _columns._arrow_columns(payload._body, payload._cut) is not None:
            yield "arrow", arrow
        try:
            decode(_layout._RECORDS, payload._body)
        except msgspec.ValidationError:
            pass
        else:
            yield "struct", struct
    yield "general", lambda: chunks_to_frame([wire._loose(valid_utf8(body)).rows], V2)


def check(body: bytes, path: str) -> None:
    """``body`` takes ``path``; every way of typing it gives the reference frame."""
    assert path_taken(body) == path
    (expected, ids), expected_warnings = quietly(lambda: reference(body))
    payload, _ = quietly(lambda: decode_body(body))
    assert payload.ids == ids
    if expected is None:
        assert payload.rows is None
        return
    tried = []
    for name, make in frames(body):
        got, got_warnings = quietly(make)
        tried.append(name)
        if isinstance(expected, APIError):
            assert isinstance(got, APIError), name
            assert str(got) == str(expected), name
        else:
            assert not isinstance(got, APIError), (name, got)
            assert_same_frame(got, expected)
            assert got_warnings == expected_warnings, name
    assert path in tried or path == "empty"


# ------------------------------------------------------------- the sandbox's records


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(anchor="2026-10-01", accounts=2) as server:
        yield server


@pytest.fixture(scope="module")
def real(sb: sandbox.Sandbox) -> list[dict[str, Any]]:
    """The sandbox's v2 records: of every account, and of the organization."""
    records = [r for a in sb.account_ids for r in sb.v2_records_of(a)]
    return records + sb.v2_records_of(sb.organization_id)


def test_the_sandbox_records_take_the_arrow_path(real: list[dict[str, Any]]) -> None:
    assert len(real) > 2000
    for start in range(0, len(real), 1000):
        check(body_of(real[start : start + 1000]), "arrow")


def test_pages_of_sandbox_records_are_one_frame(real: list[dict[str, Any]]) -> None:
    pages = [decode_body(body_of(real[n : n + 500])) for n in range(0, 2000, 500)]
    for page in pages[::2]:
        page.prepare()  # half read ahead, half not
    got = chunks_to_frame([rows_of(pages)], V2)
    expected = reference(body_of(real[:2000]))[0]
    assert isinstance(expected, pd.DataFrame)
    assert_same_frame(got, expected)


def test_a_pretty_printed_page_takes_the_arrow_path(real: list[dict[str, Any]]) -> None:
    check(body_of(real[:50], indent=True), "arrow")


def test_the_shared_fixtures(real: list[dict[str, Any]]) -> None:
    """The shared fixtures hold v1 records: refused alike on every path (v2 ones are checked)."""
    files = sorted(FIXTURES.glob("*.jsonl")) if FIXTURES.is_dir() else []
    if not files:
        pytest.skip("no shared fixtures")
    for file in files:
        records = [json.loads(line) for line in file.read_text().splitlines() if line.strip()]
        v2 = [r for r in records if isinstance(r.get("action"), dict) and "when" not in r]
        v1 = [r for r in records if r not in v2]
        if v2:
            check(body_of(v2), "arrow")
        if v1:
            check(body_of(v1), "general")
            check(body_of(real[:3] + v1), "struct")  # among v2 records: rows (a boolean result)


# ------------------------------------------------------------------- odd shapes

#: A few records of every shape the sandbox serves, to put odd values into.
BASE: list[dict[str, Any]] = []


@pytest.fixture(scope="module")
def base(real: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with_token = next(r for r in real if "token_id" in r.get("actor", {}))
    plain = next(r for r in real if r is not with_token and "raw" in r)
    return copy.deepcopy([plain, with_token, real[-1]])


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


#: name -> (value, how it is typed for a text column, for an integer one, for a json one).
#: ``None`` as the value is JSON null; MISSING drops the field.
MISSING = object()
ODD: dict[str, tuple[Any, str, str, str]] = {
    "missing": (MISSING, "arrow", "arrow", "arrow"),
    "null": (None, "arrow", "arrow", "arrow"),
    "empty": ("", "arrow", "struct", "arrow"),
    "text": ("some text", "arrow", "struct", "arrow"),
    "int": (12345, "struct", "arrow", "arrow"),
    "negative zero": (-0, "struct", "arrow", "arrow"),
    "int text": ("404", "arrow", "struct", "arrow"),
    "signed int text": ("-7", "arrow", "struct", "arrow"),
    "spaced int text": (" 404", "arrow", "struct", "arrow"),
    "float": (200.0, "struct", "struct", "arrow"),
    "fraction": (2.5, "struct", "struct", "arrow"),
    "beyond int64": (2**63, "struct", "struct", "arrow"),
    "beyond 64 bits": (2**70, "struct", "struct", "arrow"),
    "true": (True, "struct", "struct", "arrow"),
    "false": (False, "struct", "struct", "arrow"),
    "object": ({"b": 1, "a": [True, None]}, "struct", "struct", "arrow"),
    "array": ([1, "x", None], "struct", "struct", "arrow"),
    "empty object": ({}, "struct", "struct", "arrow"),
    "stray byte": ("a" + BAD + "b", "arrow", "struct", "arrow"),
    "lone surrogate": ("a" + SURROGATE + "b", "arrow", "struct", "arrow"),
    "surrogate pair": ("\U0001f600", "arrow", "struct", "arrow"),
    "controls": ('\x00\n\t"\\', "arrow", "struct", "arrow"),
    "time": ("2026-10-01T12:00:00.123456Z", "arrow", "struct", "arrow"),
    "nanoseconds": ("2026-10-01T00:00:00.123456789Z", "arrow", "struct", "arrow"),
    "success": ("success", "arrow", "struct", "arrow"),
    "failure": ("failure", "arrow", "struct", "arrow"),
    "nested 250": (deep(250), "struct", "struct", "arrow"),
    "object nested 250": ({"k": deep(250)}, "struct", "struct", "arrow"),
}


def put(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set (or, with MISSING, drop) the field at ``path`` of ``record``."""
    holder = record
    if len(path) == 2:
        holder = record.setdefault(path[0], {})
    if value is MISSING:
        holder.pop(path[-1], None)
    else:
        holder[path[-1]] = value


def odd_page(base: list[dict[str, Any]], path: tuple[str, ...], value: Any) -> bytes:
    records = copy.deepcopy(base)
    put(records[1], path, value)
    return body_of(records)


@pytest.mark.parametrize("odd", list(ODD))
@pytest.mark.parametrize("column", [c.name for c in V2.columns])
def test_an_odd_value_in_each_field(base: list[dict[str, Any]], column: str, odd: str) -> None:
    col = V2.by_name[column]
    value, as_text, as_integer, as_json = ODD[odd]
    expected = {"json": as_json, "integer": as_integer}.get(col.kind, as_text)
    if col.path == ("id",) and value is MISSING:
        expected = "arrow"  # the page's first record still has its id
    check(odd_page(base, col.path, value), expected)


@pytest.mark.parametrize("column", [c.name for c in V2.columns])
def test_a_value_too_deep_to_decode_in_each_field(base: list[dict[str, Any]], column: str) -> None:
    """Beyond the decoders' stack: the record's field holding it is cut (read as null).

    An ``id`` cut so is null (the page's first record still has its id).
    """
    col = V2.by_name[column]
    body = odd_page(base, col.path, "@@DEEP@@").replace(b'"@@DEEP@@"', b"[" * 5000 + b"]" * 5000)
    # A cut nested object the envelope's structs read (``resource``) is null: the general path.
    head_in_envelope = col.path[0] in {c.path[0] for c in V2.json_columns}
    expected = "general" if head_in_envelope else "arrow"
    check(body, expected)


@pytest.mark.parametrize("number", [b"1e400", b"-1E+400", b"2e308", b"1" + b"0" * 400 + b".5"])
@pytest.mark.parametrize("column", JSON_COLUMNS)
def test_numbers_beyond_float_range_in_json_columns(
    base: list[dict[str, Any]], column: str, number: bytes
) -> None:
    col = V2.by_name[column]
    body = odd_page(base, col.path, {"n": ["@@N@@"]}).replace(b'"@@N@@"', number)
    # pyarrow's reader refuses some such numbers (the struct path), not all (the arrow path).
    check(body, "struct" if b"e" in number.lower() and number != b"2e308" else "arrow")
    if col.any_json:
        check(odd_page(base, col.path, "@@N@@").replace(b'"@@N@@"', number), path_taken(body))


@pytest.mark.parametrize("head", sorted({c.path[0] for c in V2.columns if len(c.path) == 2}))
@pytest.mark.parametrize(
    ("value", "null_path"), [(None, "arrow"), ("x", "general"), ([], "general"), (1, "general")]
)
def test_a_nested_object_of_another_type(
    base: list[dict[str, Any]], head: str, value: Any, null_path: str
) -> None:
    records = copy.deepcopy(base)
    records[1][head] = value
    # ``resource`` (which holds the json columns) is read by the envelope's structs too.
    expected = "general" if head == "resource" else null_path
    check(body_of(records), expected)


def test_records_that_are_not_objects(base: list[dict[str, Any]]) -> None:
    for odd in (None, 1, "x", [], True):
        check(body_of([*base, odd]), "general")
    check(body_of([odd for odd in (None, 1, "x")]), "general")


def test_a_key_sent_twice(base: list[dict[str, Any]]) -> None:
    body = body_of(base)
    twice = body.replace(b'"actor":{', b'"actor":{"email":"first@example.com",', 1)
    check(twice, "struct")
    twice = body.replace(b'"resource":{', b'"resource":{"scope":{"a":1},"request":[1],', 1)
    check(twice, "arrow")


@pytest.mark.parametrize(
    ("records", "path"),
    [
        ([{"id": "a"}], "arrow"),
        ([{"id": None}], "arrow"),
        ([{"action": {"time": "2026-10-01T00:00:00Z"}}], "general"),  # no id: looked at closer
        ([{}, {"id": "a"}], "general"),
        ([{"id": "a", "when": "2026-10-01T00:00:00Z"}], "general"),  # v1's: refused
        ([{"id": "a", "when": None, "action": {}}], "general"),  # refused too
        ([{"When": "x", "ActionType": "y"}], "general"),  # Logpush's: refused
        ([{"id": {"x": 1}}, {"id": [1, 2]}, {"id": 3.5}], "struct"),
    ],
)
def test_record_shapes(records: list[Any], path: str) -> None:
    check(body_of(records), path)


def test_v1_records_among_v2_records(base: list[dict[str, Any]]) -> None:
    v1 = {"id": "v1", "when": "2026-10-01T00:00:00Z", "action": {"type": "login"}}
    check(body_of([*base, v1]), "arrow")  # a v2 record first: rows, v1's without a time
    check(body_of([v1, *base]), "general")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1,2]",
        b'{"success":true}',
        b'{"success":true,"result":null}',
        b'{"success":true,"result":[]}',
        b'{"success":true,"result":"x"}',
        b'{"success":true,"result":{"id":"a"}}',
        b'{"success":true,"result":[{"id":"a"}],"result_info":[1,2],"errors":"x"}',
        b'\xef\xbb\xbf{"success":true,"result":[{"id":"a","action":{"time":"2026-10-01"}}]}',
        b'{"success":true,"result":[{"id":"a\\ud800","raw":{"status_code":"404"}}]}',
        b'{"success":true,"result":[{"id":"a\xff","raw":{"status_code":404.0}}]}',
    ],
)
def test_odd_bodies(body: bytes) -> None:
    payload = decode_body(body)
    try:
        data = decode_loose(valid_utf8(body))
    except msgspec.DecodeError:
        assert payload.is_object is False and payload.ids is None
        return
    if not isinstance(data, dict):
        assert payload.is_object is False
        return
    assert payload.is_object is True
    assert (payload.success, payload.result_info) == (
        data.get("success"),
        data.get("result_info") if isinstance(data.get("result_info"), dict) else {},
    )
    check(body, path_taken(body))


def test_prepare_reads_ahead_in_another_thread(base: list[dict[str, Any]]) -> None:
    payload = decode_body(body_of(base))
    payload.prepare()
    assert payload._ahead is not None
    ahead = payload._ahead
    rows = payload.rows
    assert rows is not None and ahead.done() and payload._ahead is None
    assert rows.table.column("id").to_pylist() == [r["id"] for r in base]
    payload.prepare()  # typed already: nothing to do
    assert payload._ahead is None


def test_a_page_refused_after_prepare_is_refused_again(base: list[dict[str, Any]]) -> None:
    v1 = {"id": "v1", "when": "2026-10-01T00:00:00Z"}
    payload = decode_body(body_of([v1]))
    payload.prepare()
    for _ in range(2):
        with pytest.raises(APIError, match="v2 record"):
            payload.rows  # noqa: B018
    with pytest.raises(APIError, match="v2 record"):
        rows_of([payload])

"""The fast wire decode (:mod:`auditkit.sources.v1._wire`) gives exactly the reference frame.

The reference is :func:`auditkit.frame.records_to_frame` on the records as
Python values; the fast path decodes the response body with msgspec structs
(or, for odd pages, the general decode) and types it through
:func:`auditkit.frame.chunks_to_frame`. JSON columns are compared by their
decoded value *and* by their canonical JSON text, so ``1``, ``1.0`` and
``true`` (equal in Python) are told apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from unittest import mock

import msgspec
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit.errors import APIError
from auditkit.frame import COLUMNS, empty_frame, records_to_frame
from auditkit.frame._chunk import Chunk, chunks_to_frame, extract_columns
from auditkit.sources.v1 import Payload, _columns, decode_body, rows_of
from auditkit.sources.v1 import _wire as wire

JSON_COLUMNS = [c.name for c in COLUMNS if c.kind == "json"]
JSON_WIRE = [c.path[0] for c in COLUMNS if c.kind == "json"]
BIG = 2**70  # beyond int64 and uint64


# ------------------------------------------------------------------ helpers


def body_of(records: Any, **envelope: Any) -> bytes:
    """A compact response body holding ``records`` as its ``result``."""
    return msgspec.json.encode({"success": True, "errors": [], **envelope, "result": records})


def canonical(value: Any) -> bytes:
    """JSON text with sorted keys: tells ``1`` from ``1.0`` from ``true``."""
    return msgspec.json.encode(value, order="sorted")


def assert_same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected)
    for name in JSON_COLUMNS:
        assert [canonical(v) for v in got[name]] == [canonical(v) for v in expected[name]], name


def id_as_sent(value: Any) -> Any:
    """An id as the payload keeps it: as sent, objects and arrays as compact JSON text."""
    return msgspec.json.encode(value).decode() if isinstance(value, dict | list) else value


def fast_frame(body: bytes) -> pd.DataFrame:
    rows = decode_body(body).rows
    assert rows is not None
    return chunks_to_frame([rows])


def prepared_frame(body: bytes) -> tuple[pd.DataFrame, bool]:
    """The frame of ``body`` typed as the loader types it (``prepare()`` in the fetching
    thread), and whether pyarrow's JSON reader did the typing."""
    payload = decode_body(body)
    typed: list[Any] = []
    real = wire._arrow_rows

    def spy(body: bytes, raw: list[Any]) -> Any:
        typed.append(real(body, raw))
        return typed[-1]

    with mock.patch.object(wire, "_arrow_rows", spy):
        payload.prepare()
    by_arrow = bool(typed) and typed[0] is not None
    rows = payload.rows
    assert rows is not None
    return chunks_to_frame([rows]), by_arrow


@contextmanager
def general_path_spy() -> Iterator[mock.MagicMock]:
    """Counts the pages that take the general decode (``extract_columns`` in :mod:`wire`)."""
    with mock.patch.object(wire, "extract_columns", wraps=extract_columns) as spy:
        yield spy


#: Top-level fields the schema reads, written out here (not taken from the code under test).
KNOWN = {"id", "when", "action", "actor", "interface", "resource", "owner", "metadata"}
KNOWN |= {"oldValue", "newValue", "oldValueJson", "newValueJson"}


def foreign(records: Sequence[Any]) -> bool:
    """Whether ``records`` is a batch of another shape: records, none with a known field."""
    return bool(records) and not any(type(r) is dict and KNOWN & r.keys() for r in records)


def same_as_reference(got: Callable[[], pd.DataFrame], records: list[Any]) -> None:
    """``got()`` is the reference frame of ``records``, or both refuse them alike."""
    if foreign(records):
        with pytest.raises(APIError, match="none of the") as expected:
            records_to_frame(records)
        with pytest.raises(APIError) as refused:
            got()
        assert str(refused.value) == str(expected.value)
        return
    assert_same_frame(got(), records_to_frame(records))


def alone(pages: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """The frame of each page typed alone (a fresh payload per page), concatenated.

    Compared as frames, not as Arrow tables: a chunk may still hold ``""`` where
    another holds null, and :func:`chunks_to_frame` makes both missing.
    """
    chunks = [decode_body(body_of(list(p))).rows for p in pages]
    assert all(c is not None for c in chunks)
    return chunks_to_frame([c for c in chunks if c is not None])


# --------------------------------------------------------------- strategies

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-BIG, max_value=BIG),
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 0]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "null",
            "NULL",
            " ",
            "true",
            "{}",
            "2026-10-01T00:00:00Z",
            "2026-10-01",
            "żółw ✓ 😀",
            '\x00\n\t"\\',
            "x" * 300,
        ]
    ),
)
keys = st.one_of(
    st.sampled_from(["zone_name", "name", "value", "id", "type", ""]), st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=8,
)
timestamps = st.one_of(
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+05:30"),
    st.sampled_from(
        [
            "2026-10-01T12:00:00Z",
            "2026-10-01T00:00:00.123456Z",
            "0000-00-00T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "1677-09-21T00:12:43Z",
            "2026-10-01T00:00:00.123456789Z",
            "2263-01-01T00:00:00Z",
        ]
    ),
)
words = st.text(min_size=1, max_size=12)
inner_fields = st.fixed_dictionaries(
    {},
    optional={
        k: json_values for k in ("id", "type", "email", "ip", "result", "info", "name", "zone_name")
    },
)

#: Records as Cloudflare sends them.
well_formed = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str),
        "when": timestamps,
        "action": st.fixed_dictionaries(
            {
                "type": st.sampled_from(["change_setting", "rec_add", "rec_del", "login"]),
                "result": st.booleans(),
            },
            optional={"info": words},
        ),
        "actor": st.fixed_dictionaries(
            {
                "id": st.sampled_from(["1", "0a1b2c", "f" * 32]),
                "type": st.sampled_from(["user", "admin", "Cloudflare", "system", "robot"]),
            },
            optional={
                "email": st.sampled_from(["a@example.com", "żółw@example.com", ""]),
                "ip": st.sampled_from(["192.0.2.1", "2001:db8::1"]),
            },
        ),
        "interface": st.sampled_from(["UI", "API", ""]),
        "owner": st.fixed_dictionaries({"id": st.sampled_from(["own1", "own2"])}),
        "resource": st.fixed_dictionaries(
            {"id": words, "type": st.sampled_from(["zone", "DNS_record", "account"])}
        ),
        "metadata": st.fixed_dictionaries(
            {},
            optional={
                "zone_name": st.one_of(words, st.just("example.com"), st.just("")),
                "name": words,
                "value": json_values,
            },
        ),
        "newValue": st.one_of(words, st.sampled_from(["", "null", "on"])),
        "oldValue": st.one_of(words, st.sampled_from(["", "null", "off"])),
    },
    optional={
        "newValueJson": st.dictionaries(keys, json_values, max_size=3),
        "oldValueJson": st.dictionaries(keys, json_values, max_size=3),
    },
)

#: Objects whose nested heads are absent or objects: odd values, yet the structs describe them.
struct_shaped = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "when": st.one_of(timestamps, json_values),
        "action": inner_fields,
        "actor": inner_fields,
        "owner": inner_fields,
        "resource": inner_fields,
        "metadata": st.one_of(inner_fields, json_values),
        "interface": json_values,
        "newValue": json_values,
        "oldValue": json_values,
        "newValueJson": json_values,
        "oldValueJson": json_values,
        "unexpected": json_values,
    },
)

#: Anything at all: non-object records, nested heads that are null/strings/lists, ...
any_shape = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "id": json_values,
            "when": st.one_of(timestamps, json_values),
            "action": st.one_of(inner_fields, json_values),
            "actor": st.one_of(inner_fields, json_values),
            "owner": st.one_of(inner_fields, json_values),
            "resource": st.one_of(inner_fields, json_values),
            "metadata": st.one_of(inner_fields, json_values),
            "interface": json_values,
            "newValue": json_values,
            "oldValue": json_values,
            "newValueJson": json_values,
            "oldValueJson": json_values,
        },
    ),
)

Encoder = Callable[[dict[str, Any]], bytes]
ENCODERS: dict[str, Encoder] = {
    "msgspec": msgspec.json.encode,
    "indented-ascii": lambda d: json.dumps(d, indent=2, ensure_ascii=True).encode(),
    "spaced-utf8": lambda d: json.dumps(d, separators=(" , ", " : "), ensure_ascii=False).encode(),
}
encoders = st.sampled_from(sorted(ENCODERS))

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------- 1. property: agreement


@PROPERTY
@given(st.lists(st.one_of(well_formed, struct_shaped), max_size=8), encoders)
def test_struct_path_gives_the_reference_frame(records: list[Any], encoder: str) -> None:
    body = ENCODERS[encoder]({"success": True, "errors": [], "result": records})
    with general_path_spy() as spy:
        same_as_reference(lambda: fast_frame(body), records)
    assert spy.call_count == 0  # typed by the structs, not the general decode


@PROPERTY
@given(st.lists(st.one_of(well_formed, struct_shaped, any_shape), max_size=8), encoders)
def test_any_page_gives_the_reference_frame(records: list[Any], encoder: str) -> None:
    body = ENCODERS[encoder]({"success": True, "errors": [], "result": records})
    payload = decode_body(body)
    assert payload.is_object is True
    assert len(payload) == len(records)
    assert payload.ids == [id_as_sent(r.get("id")) if type(r) is dict else None for r in records]
    assert len(set(payload.ids)) <= len(records)  # hashable

    def got() -> pd.DataFrame:
        rows = payload.rows
        assert rows is not None and len(rows) == len(records)
        return chunks_to_frame([rows])

    same_as_reference(got, records)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(well_formed, struct_shaped, any_shape), max_size=4), max_size=5))
def test_rows_of_any_pages_is_each_page_alone_concatenated(pages: list[list[Any]]) -> None:
    payloads = [decode_body(body_of(p)) for p in pages]
    if any(foreign(p) for p in pages):  # one page of another shape refuses the batch
        with pytest.raises(APIError, match="none of the"):
            rows_of(payloads)
        return
    together = chunks_to_frame([rows_of(payloads)])
    assert_same_frame(together, alone(pages))
    assert_same_frame(together, records_to_frame([r for p in pages for r in p]))


@PROPERTY
@given(st.lists(st.one_of(well_formed, struct_shaped, any_shape), max_size=8), encoders)
def test_arrow_path_gives_the_reference_frame(records: list[Any], encoder: str) -> None:
    body = ENCODERS[encoder]({"success": True, "errors": [], "result": records})
    same_as_reference(lambda: prepared_frame(body)[0], records)


@PROPERTY
@given(st.lists(well_formed, min_size=1, max_size=8))
def test_arrow_path_types_well_formed_pages(records: list[Any]) -> None:
    got, by_arrow = prepared_frame(body_of(records))
    assert by_arrow
    assert_same_frame(got, records_to_frame(records))


def test_arrow_path_leaves_odd_pages_to_the_other_decoders() -> None:
    records = [{"id": 7, "when": "2026-10-01T00:00:00Z"}, {"id": "b", "actor": "x"}]
    got, by_arrow = prepared_frame(body_of(records))
    assert not by_arrow
    assert got["id"].tolist() == ["7", "b"]
    assert_same_frame(got, records_to_frame(records))


def test_real_records_through_the_arrow_path(real_records: list[dict[str, Any]]) -> None:
    got, by_arrow = prepared_frame(body_of(real_records))
    assert by_arrow
    assert_same_frame(got, records_to_frame(real_records))


def test_real_records_give_the_reference_frame(real_records: list[dict[str, Any]]) -> None:
    with general_path_spy() as spy:
        got = fast_frame(body_of(real_records))
    assert spy.call_count == 0
    assert_same_frame(got, records_to_frame(real_records))
    assert len(got) == 13


def test_json_columns_tell_one_from_one_point_oh_and_true() -> None:
    records = [{"metadata": {"v": 1}}, {"metadata": {"v": 1.0}}, {"metadata": {"v": True}}]
    got = fast_frame(body_of(records))
    assert [canonical(v) for v in got["metadata"]] == [b'{"v":1}', b'{"v":1.0}', b'{"v":true}']
    assert_same_frame(got, records_to_frame(records))


def test_odd_values_on_the_struct_path_exact() -> None:
    records = [
        {
            "id": BIG,
            "when": 12,
            "action": {"type": {"b": 1, "a": [True, None]}, "result": "yes", "info": 1.5},
            "actor": {"id": -(2**64), "email": "", "type": ["x"], "ip": False},
            "interface": "null",
            "oldValue": "null",
            "newValue": {"z": 1, "a": "é"},
            "metadata": "not an object",
            "newValueJson": [],
            "oldValueJson": "{}",
        },
        {"id": "ünïcode ✓ 😀", "when": "2026-10-01T12:00:00.5+02:00", "action": {"result": 1}},
    ]
    with general_path_spy() as spy:
        got = fast_frame(body_of(records))
    assert spy.call_count == 0
    assert_same_frame(got, records_to_frame(records))
    first = got.iloc[0]
    assert first["id"] == "1180591620717411303424"
    assert first["when"] is pd.NaT
    assert first["action_type"] == '{"a":[true,null],"b":1}'
    assert first["action_result"] is pd.NA
    assert first["action_info"] == "1.5"
    assert first["actor_id"] == "-18446744073709551616"
    assert pd.isna(first["actor_email"])
    assert first["actor_type"] == '["x"]'
    assert first["actor_ip"] == "false"
    assert first["interface"] == "null"  # only old_value/new_value treat "null" as missing
    assert first["old_value"] is pd.NA
    assert first["new_value"] == '{"a":"é","z":1}'
    assert first["metadata"] is None and pd.isna(first["zone_name"])
    assert first["new_value_json"] == [] and first["old_value_json"] is None
    second = got.iloc[1]
    assert second["id"] == "ünïcode ✓ 😀"
    assert second["when"] == pd.Timestamp("2026-10-01T10:00:00.5Z")
    assert second["action_result"] is pd.NA  # 1 is not a boolean


# ------------------------------------------------------------- 2. rows_of

PAGE_A = [{"id": "a1", "actor": {"email": "a@example.com"}}, {"id": "a2", "when": 5}]
PAGE_B = [{"id": "b1", "metadata": {"zone_name": "b.example"}}]
#: Objects the structs cannot describe: typed the general way when the rows are asked for.
PAGE_ODD = [{"id": "o1", "actor": None}, {"id": "o2", "actor": "someone"}, {"id": "o3"}]
#: A record that is not an object: the envelope already takes the general decode.
PAGE_ODDER = ["not a record", {"id": "n2", "oldValue": "v"}]
PAGE_C = [{"id": "c1", "newValueJson": {"x": [1]}}, {"id": "c2"}]


def test_rows_of_several_pages_keeps_order_and_values() -> None:
    pages = [PAGE_A, [], PAGE_B, PAGE_ODD, PAGE_C, PAGE_ODDER, PAGE_A]
    with general_path_spy() as spy:
        payloads = [decode_body(body_of(p)) for p in pages]
        assert spy.call_count == 1  # PAGE_ODDER, at once
        payloads.insert(2, decode_body(b'{"success":true,"result":null}'))
        payloads.insert(4, decode_body(b'{"success":true,"result":{"id":"skipped"}}'))
        together = rows_of(payloads)
        assert spy.call_count == 2  # and PAGE_ODD, when typed
    ids = ["a1", "a2", "b1", "o1", "o2", "o3", "c1", "c2", None, "n2", "a1", "a2"]
    assert together.table.column("id").to_pylist() == ids
    got = chunks_to_frame([together])
    assert_same_frame(got, alone(pages))
    assert_same_frame(got, records_to_frame([r for p in pages for r in p]))
    assert got["actor_email"].tolist() == ["a@example.com", *[pd.NA] * 9, "a@example.com", pd.NA]
    assert got["when"].tolist() == [pd.NaT] * 12
    assert got["zone_name"].tolist() == [pd.NA, pd.NA, "b.example", *[pd.NA] * 9]
    assert got["old_value"].tolist() == [pd.NA] * 9 + ["v", pd.NA, pd.NA]
    assert got["new_value_json"].tolist() == [None] * 6 + [{"x": [1]}, *[None] * 5]


def test_rows_of_after_rows_was_read_and_of_nothing() -> None:
    typed = decode_body(body_of(PAGE_A))
    first = typed.rows
    assert typed.rows is first  # typed once
    odd = decode_body(body_of(PAGE_ODD))
    assert odd.rows is not None
    odder = decode_body(body_of(PAGE_ODDER))
    together = rows_of([odder, typed, decode_body(body_of(PAGE_B)), odd, odder])
    ids = [None, "n2", "a1", "a2", "b1", "o1", "o2", "o3", None, "n2"]
    assert together.table.column("id").to_pylist() == ids
    assert len(rows_of([])) == 0
    assert rows_of([]).table.schema == Chunk.empty().table.schema
    assert len(rows_of([decode_body(b'{"result":[]}'), decode_body(b"{}")])) == 0


# --------------------------------------------------------------- 3. envelope


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"success":true,"result":[{"id":"a"}',
        body_of([{"id": "a", "metadata": {"zone_name": "x"}}])[:-3],
        b"[]",
        b'[{"id":"a"}]',
        b"null",
        b'"text"',
        b"5",
        b'{"success":true}{"x":1}',
    ],
    ids=[
        "empty",
        "text",
        "unclosed",
        "truncated",
        "array",
        "array-of-records",
        "null",
        "string",
        "number",
        "trailing",
    ],
)
def test_not_a_json_object(body: bytes) -> None:
    payload = decode_body(body)
    assert payload.is_object is False
    assert (payload.success, payload.errors, payload.result_info, payload.ids) == (
        None,
        [],
        {},
        None,
    )
    assert len(payload) == 0
    assert payload.rows is None
    assert len(rows_of([payload])) == 0


@pytest.mark.parametrize("body", [b'{"success":true,"result":null}', b'{"success":true}'])
def test_null_or_absent_result_is_no_rows(body: bytes) -> None:
    payload = decode_body(body)
    assert payload.is_object is True and payload.success is True
    assert payload.ids == [] and len(payload) == 0
    rows = payload.rows
    assert rows is not None and len(rows) == 0
    assert_same_frame(chunks_to_frame([rows]), empty_frame())


@pytest.mark.parametrize(
    "result",
    [b'{"id":"a"}', b'"a"', b"5", b"true", b"{}"],
    ids=["object", "string", "number", "bool", "empty-object"],
)
def test_result_not_a_list_has_no_ids_and_no_rows(result: bytes) -> None:
    payload = decode_body(b'{"success":true,"errors":[],"result":' + result + b"}")
    assert payload.is_object is True and payload.success is True
    assert payload.ids is None and payload.rows is None
    assert len(payload) == 0


ERRORS = [{"code": 10000, "message": "no"}, "text", 5, None, [1], {}, {"code": 2}]


@pytest.mark.parametrize(
    "records",
    [[{"id": "a"}], [{"id": "a"}, "forces the general decode"]],
    ids=["structs", "general"],
)
def test_envelope_values(records: list[Any]) -> None:
    info = {"page": 1, "per_page": 2, "count": 2, "total_count": 7}
    payload = decode_body(
        msgspec.json.encode(
            {"success": False, "errors": ERRORS, "result_info": info, "result": records}
        )
    )
    assert payload.is_object is True
    assert payload.success is False
    assert payload.errors == [{"code": 10000, "message": "no"}, {}, {"code": 2}]
    assert payload.result_info == info
    assert len(payload) == len(records)


@pytest.mark.parametrize(
    ("envelope", "success", "errors", "result_info"),
    [
        (b"{}", None, [], {}),
        (b'{"success":"yes","errors":{"code":1},"result_info":[1]}', "yes", [], {}),
        (b'{"success":null,"errors":"boom","result_info":"x"}', None, [], {}),
        (b'{"success":1,"errors":null,"result_info":null}', 1, [], {}),
        (b'{"success":true,"errors":[],"result_info":{}}', True, [], {}),
        (b'{"result_info":{"cursor":"abc"},"result":[5]}', None, [], {"cursor": "abc"}),
    ],
)
def test_envelope_oddities(
    envelope: bytes, success: Any, errors: list[Any], result_info: dict[str, Any]
) -> None:
    payload = decode_body(envelope)
    assert payload.is_object is True
    assert (payload.success, payload.errors, payload.result_info) == (success, errors, result_info)


@pytest.mark.parametrize("extra", [[], ["not a record", None]], ids=["structs", "general"])
def test_ids_as_sent_and_hashable(extra: list[Any]) -> None:
    records: list[Any] = [
        {"id": "a"},
        {"id": {"b": 1, "a": [2]}},
        {"id": [1, "x", {"k": None}]},
        {},
        {"id": None},
        {"id": 5},
        {"id": BIG},
        {"id": 1.5},
        {"id": True},
        {"id": "a"},
        *extra,
    ]
    payload = decode_body(body_of(records))
    expected = [
        "a",
        '{"b":1,"a":[2]}',  # the object's JSON text, keys as sent
        '[1,"x",{"k":null}]',
        None,
        None,
        5,
        BIG,
        1.5,
        True,
        "a",
        *[None] * len(extra),
    ]
    assert payload.ids == expected
    assert len(payload) == len(records)
    assert set(payload.ids) == {
        "a",
        '{"b":1,"a":[2]}',
        '[1,"x",{"k":null}]',
        None,
        5,
        BIG,
        1.5,
        True,
    }
    got = chunks_to_frame([payload.rows])  # type: ignore[list-item]
    assert_same_frame(got, records_to_frame(records))
    assert got["id"].tolist()[:9] == [
        "a",
        '{"a":[2],"b":1}',  # the frame's text has sorted keys
        '[1,"x",{"k":null}]',
        pd.NA,
        pd.NA,
        "5",
        "1180591620717411303424",
        "1.5",
        "true",
    ]


def test_decode_response_decodes_once() -> None:
    class Response:
        content = body_of([{"id": "r"}])

    response = Response()
    payload = wire.decode_response(response)
    assert payload.ids == ["r"]
    assert wire.decode_response(response) is payload

    class Broken:
        @property
        def content(self) -> bytes:
            raise RuntimeError("gone")

    assert wire.decode_response(Broken()).is_object is False


# ---------------------------------------------------------------- 4. raw JSON


def raw_texts(records: list[Any], field: str = "metadata") -> list[Any]:
    """The raw text the fast path keeps for ``field`` (struct path only)."""
    with general_path_spy() as spy:
        rows = decode_body(body_of(records)).rows
    assert spy.call_count == 0 and rows is not None
    return rows.table.column(field).to_pylist()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, None),
        ("", None),
        ("text", None),
        ("{}", None),  # a string holding JSON is not JSON
        ("null", None),
        (5, None),
        (BIG, None),
        (-1.5, None),
        (True, None),
        ({}, "{}"),
        ([], "[]"),
        ([[1, [2, []]], {"a": [{}]}], '[[1,[2,[]]],{"a":[{}]}]'),
        ({"b": 1, "a": {"c": [None, False]}}, '{"b":1,"a":{"c":[null,false]}}'),
        ({"big": BIG, "f": 0.1}, '{"big":1180591620717411303424,"f":0.1}'),
        ({"name": "żółw ✓ 😀"}, '{"name":"żółw ✓ 😀"}'),
    ],
)
def test_raw_json_value(value: Any, text: str | None) -> None:
    records = [{"id": "x", **{key: value for key in JSON_WIRE}}]
    for name in JSON_COLUMNS:
        assert raw_texts(records, name) == [text]
    got = fast_frame(body_of(records))
    assert_same_frame(got, records_to_frame(records))
    expected = None if text is None else json.loads(text)
    assert got[JSON_COLUMNS].iloc[0].tolist() == [expected] * 3


def test_raw_json_absent_field() -> None:
    assert raw_texts([{"id": "x"}]) == [None]
    assert fast_frame(body_of([{"id": "x"}]))["metadata"].tolist() == [None]


def test_raw_json_keeps_the_text_as_sent() -> None:
    body = (
        b'{"success":true,"result":[\n'
        b' {"id":"ws","metadata": { "a" : [ 1 , 2 ] ,\n\t"zone_name" : "w.example" } },\n'
        b' {"id":"esc","metadata":{"name":"caf\\u00e9 \\ud83d\\ude00","q":"\\"\\\\"}},\n'
        b' {"id":"utf8","metadata":{"name":"caf\xc3\xa9"}}\n'
        b"]}"
    )
    payload = decode_body(body)
    rows = payload.rows
    assert rows is not None
    assert rows.table.column("metadata").to_pylist() == [
        '{ "a" : [ 1 , 2 ] ,\n\t"zone_name" : "w.example" }',
        '{"name":"caf\\u00e9 \\ud83d\\ude00","q":"\\"\\\\"}',
        '{"name":"café"}',
    ]
    got = chunks_to_frame([rows])
    assert got["metadata"].tolist() == [
        {"a": [1, 2], "zone_name": "w.example"},
        {"name": "café 😀", "q": '"\\'},
        {"name": "café"},
    ]
    assert got["zone_name"].tolist() == ["w.example", pd.NA, pd.NA]
    assert_same_frame(got, records_to_frame(json.loads(body)["result"]))


def test_raw_json_invalid_utf8_inside_a_string_is_replaced() -> None:
    body = (
        b'{"success":true,"result":['
        b'{"id":"ok","metadata":{"name":"caf\xc3\xa9"},"newValueJson":[1]},'
        b'{"id":"bad","metadata":{"name":"\xff\xfe","zone_name":"z\xffz"},"oldValueJson":{"k":"\xc3"}},'
        b'{"id":"none","metadata":null},'
        b'{"id":"bad-key","metadata":{"\xe2\x82":1}}'
        b"]}"
    )
    payload = decode_body(body)
    assert payload.ids == ["ok", "bad", "none", "bad-key"]
    with general_path_spy() as spy:
        rows = payload.rows
    assert spy.call_count == 0 and rows is not None
    assert rows.table.column("metadata").to_pylist() == [
        '{"name":"café"}',
        '{"name":"\ufffd\ufffd","zone_name":"z\ufffdz"}',
        None,
        '{"\ufffd":1}',
    ]
    assert rows.table.column("old_value_json").to_pylist() == [None, '{"k":"\ufffd"}', None, None]
    assert rows.table.column("new_value_json").to_pylist() == ["[1]", None, None, None]
    got = chunks_to_frame([rows])
    assert got["metadata"].tolist() == [
        {"name": "café"},
        {"name": "\ufffd\ufffd", "zone_name": "z\ufffdz"},
        None,
        {"\ufffd": 1},
    ]
    assert got["zone_name"].tolist() == [pd.NA, "z\ufffdz", pd.NA, pd.NA]
    assert got["old_value_json"].tolist() == [None, {"k": "\ufffd"}, None, None]


def test_raw_json_every_value_missing() -> None:
    records: list[Any] = [{"id": str(n), "metadata": v} for n, v in enumerate([None, "x", 3, ""])]
    records.append({"id": "4"})
    for name in JSON_COLUMNS:
        assert raw_texts(records, name) == [None] * 5
    got = fast_frame(body_of(records))
    assert_same_frame(got, records_to_frame(records))
    for name in JSON_COLUMNS:
        assert str(got[name].dtype) == "json"
        assert got[name].tolist() == [None] * 5


def test_raw_json_zero_records() -> None:
    payload = decode_body(body_of([]))
    assert payload.ids == [] and len(payload) == 0
    rows = payload.rows
    assert rows is not None and len(rows) == 0
    assert_same_frame(chunks_to_frame([rows]), empty_frame())


def test_raw_json_mixed_lengths_keep_their_own_text() -> None:
    values: list[Any] = [{"a": 1}, "xx", None, [1, 2, 3], 12345, {"b": [{}]}, "{", [], "é" * 9, {}]
    records = [{"metadata": v} for v in values]
    records.insert(4, {})
    assert raw_texts(records) == [
        '{"a":1}',
        None,
        None,
        "[1,2,3]",
        None,
        None,
        '{"b":[{}]}',
        None,
        "[]",
        None,
        "{}",
    ]
    assert_same_frame(fast_frame(body_of(records)), records_to_frame(records))


@pytest.mark.parametrize(
    ("raws", "expected"),
    [
        ([], []),
        ([b""], [None]),
        ([b"", b""], [None, None]),
        ([b"null", b'"s"', b"1"], [None, None, None]),
        ([b"{}", b"", b"[]"], ["{}", None, "[]"]),
        ([b'"{"', b"{ }"], [None, "{ }"]),
        ([b'{"k":"\xff"}', b"", b'["\xc3\xa9"]'], ['{"k":"\ufffd"}', None, '["é"]']),
    ],
    ids=["none", "absent", "all-absent", "scalars", "mixed", "quoted-brace", "invalid-utf8"],
)
def test_raw_json_function(raws: list[bytes], expected: list[str | None]) -> None:
    arr = _columns._raw_json([msgspec.Raw(r) for r in raws])
    assert arr.type == pa.large_string()
    assert arr.to_pylist() == expected
    assert arr.null_count == expected.count(None)
    arr.validate(full=True)


# --------------------------------------------------------------- 5. zone_name


@pytest.mark.parametrize(
    ("metadata", "zone"),
    [
        ({"zone_name": "example.com"}, "example.com"),
        ({"zone_name": "żółw.example"}, "żółw.example"),
        ({"zone_name": 5}, "5"),
        ({"zone_name": BIG}, "1180591620717411303424"),
        ({"zone_name": -0.5}, "-0.5"),
        ({"zone_name": True}, "true"),
        ({"zone_name": {"b": 1, "a": "x"}}, '{"a":"x","b":1}'),
        ({"zone_name": [1, "x"]}, '[1,"x"]'),
        ({"zone_name": {}}, "{}"),
        ({"zone_name": "null"}, "null"),  # only old_value/new_value treat "null" as missing
        ({"zone_name": ""}, pd.NA),
        ({"zone_name": None}, pd.NA),
        ({"name": "IPv6", "value": True}, pd.NA),
        ({"zone": {"zone_name": "nested.example"}}, pd.NA),
        ({}, pd.NA),
        ([{"zone_name": "in-a-list.example"}], pd.NA),
        ("zone_name", pd.NA),
        (7, pd.NA),
        (None, pd.NA),
    ],
)
def test_zone_name_from_metadata(metadata: Any, zone: Any) -> None:
    record = {"id": "z", "metadata": metadata}
    ref = records_to_frame([record])
    assert pd.isna(ref.loc[0, "zone_name"]) if zone is pd.NA else ref.loc[0, "zone_name"] == zone
    pages = {
        "structs": [record, {"id": "other", "metadata": {"zone_name": "other.example"}}],
        "general": [record, {"id": "other", "metadata": {"zone_name": "other.example"}}, None],
    }
    for name, records in pages.items():
        got = fast_frame(body_of(records))
        assert_same_frame(got, records_to_frame(records))
        assert got["zone_name"].tolist()[:2] == [zone, "other.example"], name


def test_zone_name_repeated_and_duplicate_keys() -> None:
    body = (
        b'{"result":['
        b'{"metadata":{"zone_name":"a.example","n":1}},'
        b'{"metadata":{"zone_name":"a.example","n":2}},'
        b'{"metadata":{"zone_name":"a.example","n":1}},'
        b'{"metadata":{"zone_name":"first","zone_name":"last"}},'
        b'{"metadata":{"zone_name":5}},'
        b'{"metadata":{"zone_name":"5"}}'
        b"]}"
    )
    got = fast_frame(body)
    assert got["zone_name"].tolist() == ["a.example", "a.example", "a.example", "last", "5", "5"]
    assert_same_frame(got, records_to_frame(json.loads(body)["result"]))


# ------------------------------------------------------------ odd bytes and values


@pytest.mark.parametrize(
    "body",
    [
        b'{"success":true,"result":[{"id":"\xff"}]}',
        b'{"success":false,"errors":[{"message":"\xff"}]}',
    ],
    ids=["id", "errors"],
)
def test_invalid_utf8_in_the_envelope_reads_as_replacement_characters(body: bytes) -> None:
    payload = decode_body(body)
    assert isinstance(payload, Payload)


@pytest.mark.parametrize(
    "record",
    [
        b'{"id":"a","when":"\xff"}',
        b'{"id":"a","actor":null,"metadata":{"k":"\xff"}}',
    ],
    ids=["when-on-struct-path", "metadata-on-general-path"],
)
def test_invalid_utf8_in_records_reads_as_replacement_characters(record: bytes) -> None:
    payload = decode_body(b'{"success":true,"result":[' + record + b"]}")
    assert payload.ids == ["a"]
    rows = payload.rows
    assert rows is not None
    got = chunks_to_frame([rows])
    assert got["id"].tolist() == ["a"]
    assert got["when"].tolist() == [pd.NaT]
    # As on the struct path (test_raw_json_invalid_utf8_inside_a_string_is_replaced):
    assert got["metadata"].tolist() == [None if b"when" in record else {"k": "\ufffd"}]


@pytest.mark.parametrize(
    "record",
    [b'{"id":"a","when":1e400}', b'{"id":"a","metadata":{"x":1e400}}'],
    ids=["when", "metadata"],
)
def test_numbers_beyond_float_range_do_not_break_a_page(record: bytes) -> None:
    payload = decode_body(b'{"success":true,"result":[' + record + b"]}")
    assert payload.is_object is True and payload.ids == ["a"]
    rows = payload.rows
    assert rows is not None
    assert rows.table.column("id").to_pylist() == ["a"]
    assert rows.table.column("when").to_pylist() == [None]
    assert rows.table.column("zone_name").to_pylist() == [None]


NANOS = "2026-10-01T00:00:00.123456789Z"


@pytest.mark.parametrize("far", ["2263-01-01T00:00:00Z", "1600-01-01T00:00:00Z"])
def test_when_does_not_depend_on_the_rows_typed_with_it(far: str) -> None:
    expected = [pd.Timestamp(far), pd.Timestamp("2026-10-01T00:00:00.123456Z")]
    assert records_to_frame([{"when": far}])["when"].tolist() == expected[:1]  # alone: parsed
    pages = [[{"id": "far", "when": far}], [{"id": "nanos", "when": NANOS}]]
    together = rows_of([decode_body(body_of(p)) for p in pages])
    assert chunks_to_frame([together])["when"].tolist() == expected
    assert records_to_frame([{"when": far}, {"when": NANOS}])["when"].tolist() == expected

"""Page bodies that used to break the decoders (issue 10), end to end over HTTP.

Every page that is an object with a ``result`` list becomes one row per record,
whatever the bytes inside it, on each of the three decoding paths of
:mod:`auditkit.sources.v1._wire`; what cannot be read raises an
:class:`~auditkit.errors.AuditKitError`, never anything else.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable
from typing import Any

import msgspec
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import auditkit
from auditkit import frame
from auditkit.errors import APIError, AuditKitError
from auditkit.frame import records_to_frame
from auditkit.frame._chunk import chunks_to_frame
from auditkit.sources.v1 import _wire as wire
from tests.stubserver import Reply, StubServer, envelope, record

FAST = auditkit.RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=10)
BAD = "@@BAD@@"  # stands for one byte that is not UTF-8 (0xff) in the served body
FFFD = "\ufffd"
MAX_DEPTH = 200  # deepest JSON value kept (auditkit.frame.MAX_DEPTH, as documented)


def serve(body: bytes, **kwargs: Any) -> pd.DataFrame:
    """``load_audit_logs`` against a server whose one page is ``body``."""

    def handle(req: Any) -> Reply:
        if req.params.get("page", "1") != "1":
            return Reply(body=envelope([]))
        if req.params.get("per_page") == "1":  # the loader's probe for the oldest entry
            return Reply(body=envelope([record(0)]))
        return Reply(body=body)

    with StubServer(handle) as stub:
        return auditkit.load_audit_logs(
            base_url=stub.base_url,
            token="t",
            cache=False,
            progress=False,
            since="2026-08-01",
            before="2026-10-01",
            retry=FAST,
            **kwargs,
        )


def path_taken(body: bytes) -> str:
    """Which decoder types ``body``'s records: ``arrow``, ``struct`` or ``general``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _path_taken(body)


def _path_taken(body: bytes) -> str:
    payload = wire.decode_body(body)
    if payload._rows is not None or getattr(payload, "_problem", None):  # typed at decode
        return "general"
    if wire._arrow_rows(payload._body, payload._raws or []) is not None:
        return "arrow"
    try:
        wire._RECORDS.decode(payload._body)
    except msgspec.ValidationError:
        return "general"
    return "struct"


# ------------------------------------------------------------ a stray byte anywhere

#: field -> (how to put the bad byte into a record, how to read it back from the frame)
FIELDS: dict[str, tuple[Callable[[dict[str, Any]], None], Callable[[pd.DataFrame, int], Any]]] = {
    "id": (lambda r: r.update(id="r" + BAD), lambda df, i: df.loc[i, "id"]),
    "when": (lambda r: r.update(when="2026-09-01T12:00:00Z" + BAD), lambda df, i: "NaT"),
    "action.type": (
        lambda r: r["action"].update(type="change" + BAD),
        lambda df, i: df.loc[i, "action_type"],
    ),
    "actor.email": (
        lambda r: r["actor"].update(email="a" + BAD + "@example.com"),
        lambda df, i: df.loc[i, "actor_email"],
    ),
    "interface": (lambda r: r.update(interface="API" + BAD), lambda df, i: df.loc[i, "interface"]),
    "metadata": (
        lambda r: r["metadata"].update(note="x" + BAD),
        lambda df, i: df.loc[i, "metadata"]["note"],
    ),
    "newValue": (lambda r: r.update(newValue="on" + BAD), lambda df, i: df.loc[i, "new_value"]),
    "newValueJson": (
        lambda r: r.update(newValueJson={"k": BAD}),
        lambda df, i: df.loc[i, "new_value_json"]["k"],
    ),
    "key": (  # in an object key, inside metadata
        lambda r: r["metadata"].update({"k" + BAD: 1}),
        lambda df, i: next(k for k in df.loc[i, "metadata"] if k.startswith("k")),
    ),
}
#: path -> how the other record of the page forces that decoding path
PATHS: dict[str, Callable[[dict[str, Any]], None]] = {
    "arrow": lambda r: None,
    "struct": lambda r: r.update(id=12345),  # a numeric id: pyarrow's reader refuses the page
    "general": lambda r: r.update(actor="system"),  # the structs cannot describe it
}


def bad_page(field: str, path: str) -> bytes:
    good, bad = record(1), record(2)
    PATHS[path](good)
    FIELDS[field][0](bad)
    body = json.dumps({"success": True, "errors": [], "result": [good, bad]}).encode()
    return body.replace(BAD.encode(), b"\xff")


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("field", list(FIELDS))
def test_a_stray_byte_in_any_field_on_any_path_is_a_row(field: str, path: str) -> None:
    body = bad_page(field, path)
    assert b"\xff" in body
    assert path_taken(wire._valid_utf8(body)) == path  # the page really takes that path
    df = serve(body)
    assert len(df) == 2
    i = df.index[~df["id"].isin(["r000001", "12345"])][0]  # the record with the bad byte
    if field == "when":
        assert pd.isna(df.loc[i, "when"])
    else:
        got = FIELDS[field][1](df, i)
        assert FFFD in got, got
    assert (df["owner_id"] == "o1").all()  # the rest of both records is read


def test_a_stray_byte_in_the_id_keeps_both_rows_distinct() -> None:
    df = serve(bad_page("id", "arrow"))
    assert sorted(df["id"]) == ["r000001", "r" + FFFD]


@pytest.mark.parametrize(
    "body",
    [
        b'{"success":true,"result":[{"id":"a\xffb","when":"2026-09-01T00:00:00Z"}]}',
        b'{"success":true,"result":[{"id":"a","actor":{"email":"\xc3"}}]}',  # cut sequence
        b'{"success":true,"result":[{"id":"a","metadata":{"k":"\xed\xa0\x80"}}]}',  # surrogate
        b'{"success":true,"result":[{"id":"a","metadata":{"k":"\xf4\x90\x80\x80"}}]}',  # >10FFFF
    ],
    ids=["ff", "truncated-sequence", "encoded-surrogate", "beyond-unicode"],
)
def test_invalid_utf8_is_replaced_before_any_decoder_sees_it(body: bytes) -> None:
    fixed = wire._valid_utf8(body)
    fixed.decode("utf-8")  # valid now
    assert FFFD.encode() in fixed
    payload = wire.decode_body(body)
    payload.prepare()
    assert payload.ids == ["a"] or payload.ids == ["a" + FFFD + "b"]
    assert len(chunks_to_frame([payload.rows])) == 1


def test_valid_utf8_is_left_alone() -> None:
    body = envelope([record(1)]).replace(b"a@example.com", "żółw ✓ 😀".encode())
    assert wire._valid_utf8(body) is body
    ascii_body = envelope([record(1)])
    assert wire._valid_utf8(ascii_body) is ascii_body


# ------------------------------------------------------------ escaped lone surrogates


def test_escaped_lone_surrogates_read_as_replacement_characters() -> None:
    body = (
        b'{"success":true,"result":[{"id":"a\\ud800","when":"2026-09-01T12:00:00Z",'
        b'"actor":{"email":"\\udfffx"},"metadata":{"k":"\\ud83d\\ude00 \\\\ud800"}}]}'
    )
    df = serve(body)
    assert df.loc[0, "id"] == "a" + FFFD
    assert df.loc[0, "actor_email"] == FFFD + "x"
    # A real pair is kept; an escaped backslash before "ud800" is text, not an escape.
    assert df.loc[0, "metadata"] == {"k": "\U0001f600 \\ud800"}


# ------------------------------------------------------------ deep JSON


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def deep_page(depth: int, path: str = "arrow") -> bytes:
    other = record(2)
    PATHS[path](other)
    rec = json.dumps(record(1))
    deep = rec.replace('{"zone_name": "example.com"}', nested(depth))
    body = '{"success":true,"errors":[],"result":[' + deep + "," + json.dumps(other) + "]}"
    return body.encode()


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("depth", [MAX_DEPTH + 50, 1_000, 100_000])
def test_metadata_nested_too_deep_is_missing_with_a_warning(depth: int, path: str) -> None:
    body = deep_page(depth, path)
    if depth < 900:  # msgspec decodes it: the cut is the schema's, not the decoder's
        msgspec.json.decode(body)
        assert path_taken(body) == path
    with pytest.warns(RuntimeWarning, match="nest deeper than 200 levels"):
        df = serve(body)
    assert len(df) == 2
    first = df.index[df["id"] == "r000001"][0]
    assert df.loc[first, "metadata"] is None  # read back: no RecursionError
    assert df.loc[first, "actor_email"] == "a@example.com"  # the rest of the row is kept
    assert df["metadata"].tolist().count(None) == 1


def below(frames: int, fn: Callable[[], Any]) -> Any:
    """``fn()`` called ``frames`` Python frames further down the stack."""
    return fn() if frames == 0 else below(frames - 1, fn)


def test_what_is_kept_of_deep_json_does_not_depend_on_the_callers_stack() -> None:
    body = deep_page(950)
    with pytest.warns(RuntimeWarning):
        shallow = chunks_to_frame([wire.decode_body(body).rows])
    with pytest.warns(RuntimeWarning):
        deep = below(120, lambda: chunks_to_frame([wire.decode_body(body).rows]))
    assert (
        shallow["metadata"].tolist()
        == deep["metadata"].tolist()
        == [None, {"zone_name": "example.com"}]
    )
    # A value at the limit is kept, without a warning, and reads back from deep down.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = serve(deep_page(MAX_DEPTH - 3))
    value = below(300, lambda: df.loc[df.index[df["id"] == "r000001"][0], "metadata"])
    for _ in range(MAX_DEPTH - 3):
        value = value["a"]
    assert value == 1


def test_deep_errors_and_result_info_do_not_break_the_envelope() -> None:
    body = (
        '{"success":true,"errors":[],"result_info":'
        + nested(5_000)
        + ',"result":['
        + json.dumps(record(1))
        + "]}"
    ).encode()
    with pytest.warns(RuntimeWarning, match="nest deeper than"):
        payload = wire.decode_body(body)
    assert payload.ids == ["r000001"]


# ------------------------------------------------------------ foreign record shapes

LOGPUSH = [
    {
        "ActionResult": True,
        "ActionType": "token_create",
        "ActorEmail": "user@example.com",
        "ActorID": "enl3j9du8rnx2swwd9l32qots7l54t9s",
        "ActorIP": "89.160.20.156",
        "ActorType": "user",
        "ID": f"73fd39ed-5aab-4a2a-b93c-c9a4abf0c42{n}",
        "Interface": "",
        "Metadata": {"token_name": "test"},
        "NewValue": "",
        "OldValue": "",
        "OwnerID": "enl3j9du8rnx2swwd9l32qots7l54t9s",
        "ResourceID": "enl3j9du8rnx2swwd9l32qots7l54t9s",
        "ResourceType": "account",
        "When": "2021-11-30T20:19:48Z",
    }
    for n in range(2)
]


def test_records_to_frame_refuses_logpush_records_only() -> None:
    with pytest.raises(APIError, match=r"none of the 2 records .*ActionType.*Logpush"):
        records_to_frame(LOGPUSH)
    # Records with any known field, even missing or null, are rows; so is no record.
    for records in ([], [{"id": "a"}], [{"id": None}], [{"action": {}}], [*LOGPUSH, {"when": "x"}]):
        assert len(records_to_frame(records)) == len(records)


@pytest.mark.parametrize("path", ["arrow", "struct", "general"])
def test_a_page_of_logpush_records_is_an_error(path: str) -> None:
    records = copy.deepcopy(LOGPUSH)
    if path == "struct":  # a known-looking key with an odd value would be a known field, so:
        records[0]["Extra"] = {"big": 1e400}  # pyarrow refuses 1e400; the structs do not
    if path == "general":
        records.append("not an object")
    body = json.dumps({"success": True, "errors": [], "result": records}).encode()
    body = body.replace(b"Infinity", b"1e400")
    assert path_taken(body) == path
    with pytest.raises(APIError, match=r"none of the \d+ records has any field auditkit reads"):
        serve(body)
    payload = wire.decode_body(body)
    with pytest.raises(APIError, match="ActionType"):
        payload.rows  # noqa: B018
    # An empty page, and a page of records with only an id, are fine.
    assert len(serve(envelope([]))) == 0
    assert len(serve(envelope([{"id": "a"}, {"id": "b"}]))) == 2


# ------------------------------------------------------------ anything else a body can be

ODD_BODIES = [
    b"",
    b"\xef\xbb\xbf",
    b"not json",
    b"[1,2]",
    b'[{"id":"a"}]',
    b'{"success":true,"result":[{"id":123456789012345678901234567890}]}',
    b'{"success":true,"result":[{"id":"a","metadata":{"x":123456789012345678901234567890}}]}',
    b'{"success":true,"result":[{"id":NaN}]}',
    b'{"success":true,"result":[{"id":"a"}],"result_info":[1,2]}',
    b'{"success":true,"result":"x"}',
    b'{"success":true,"result":[{"id":"a","when":1e400,"metadata":{"x":-1e400}}]}',
    b'{"success":true,"result":[null,1,"x",[],{}]}',
    b'{"success":true,"result":[{"id":"\\u0000"}]}',
]


def check_body(body: bytes) -> None:
    """Decoding ``body`` either works or raises an AuditKitError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            payload = wire.decode_body(body)
            payload.prepare()
            rows = payload.rows
            if rows is not None:
                df = chunks_to_frame([rows])
                assert len(df) == len(payload)
                df["metadata"].tolist()  # every JSON value reads back
    except AuditKitError:
        pass


def test_a_bom_and_other_odd_bodies() -> None:
    df = serve(b"\xef\xbb\xbf" + envelope([record(1)]))
    assert df["id"].tolist() == ["r000001"]
    for body in ODD_BODIES:
        check_body(body)


SAMPLE = json.dumps(
    {
        "success": True,
        "errors": [],
        "result_info": {"page": 1},
        "result": [record(1), {**record(2), "id": 7, "actor": "x", "metadata": [1, {"b": None}]}],
    }
).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(min_value=0, max_value=len(SAMPLE)),
    at=st.integers(min_value=0, max_value=len(SAMPLE)),
    junk=st.binary(max_size=4),
)
@example(cut=len(SAMPLE), at=60, junk=b"\xff")
@example(cut=len(SAMPLE), at=0, junk=b"\xef\xbb\xbf")
def test_mangled_bodies_decode_or_raise_auditkit_errors(cut: int, at: int, junk: bytes) -> None:
    body = SAMPLE[:at] + junk + SAMPLE[at:cut] if at <= cut else SAMPLE[:cut] + junk
    check_body(body)
    check_body(junk * 16)  # random bytes alone
    check_body(b'{"success":true,"result":[' + junk + b"]}")


def test_the_documented_limits() -> None:
    assert frame.KNOWN_FIELDS[:2] == ("id", "when")
    assert frame.MAX_DEPTH == wire.MAX_DEPTH == MAX_DEPTH

"""A JSON column whose texts repeat (an archive read: each file's texts once, one file
after the other) gives what the same column holding each text once gives."""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from auditkit.frame import JSONArray
from auditkit.frame._jsondtype import _TEXT

VALUES: list[Any] = [
    {"zone": "a"},
    None,
    {"b": 1, "a": 2},
    [1, "x"],
    {"zone": "a"},
    {"a": 2, "b": 1},  # equal as JSON to {"b": 1, "a": 2}: one value
    {"zone": "c"},
    None,
]


def _once() -> JSONArray:
    return JSONArray._from_sequence(VALUES)


def _repeated() -> JSONArray:
    """``VALUES`` as two "files": rows 0-3 and 4-7, each file's texts once, stacked."""
    texts = [
        '{"zone":"a"}', '{"b":1,"a":2}', '[1,"x"]',  # file 1
        '{"zone":"a"}', '{"a":2,"b":1}', '{"zone":"c"}',  # file 2: {"zone":"a"} again
    ]  # fmt: skip
    codes = np.array([0, -1, 1, 2, 3, 4, 5, -1], dtype=np.int8)
    return JSONArray(codes, pa.array(texts, _TEXT))


def test_every_operation_takes_the_copies_as_one_value() -> None:
    once, rep = pd.Series(_once()), pd.Series(_repeated())
    assert len(rep.array.texts) == 6 and len(once.array.texts) == 5
    assert rep.tolist() == once.tolist() == VALUES
    assert rep.nunique() == once.nunique() == 4
    counts = rep.value_counts()
    assert list(zip(counts.index.tolist(), counts.tolist(), strict=True)) == [
        ({"zone": "a"}, 2), ({"b": 1, "a": 2}, 2), ([1, "x"], 1), ({"zone": "c"}, 1)
    ]  # fmt: skip
    expected = once.value_counts()
    assert counts.index.tolist() == expected.index.tolist()
    assert counts.tolist() == expected.tolist()
    assert rep.unique().tolist() == once.unique().tolist()
    assert rep.duplicated().tolist() == once.duplicated().tolist()
    assert rep.duplicated().tolist() == [False, False, False, False, True, True, False, True]
    codes_r, uniques_r = rep.factorize()
    codes_o, uniques_o = once.factorize()
    assert codes_r.tolist() == codes_o.tolist() and uniques_r.tolist() == uniques_o.tolist()
    assert rep.isin([{"zone": "a"}]).tolist() == [True, *[False] * 3, True, *[False] * 3]
    assert rep.sort_values(kind="stable").index.tolist() == (
        once.sort_values(kind="stable").index.tolist()
    )
    assert (rep == {"zone": "a"}).tolist() == (once == {"zone": "a"}).tolist()
    assert {"a": 2, "b": 1} in rep.array
    assert rep.array.searchsorted({"zone": "b"}) == once.array.searchsorted({"zone": "b"})
    assert rep.groupby(rep).size().tolist() == once.groupby(once).size().tolist()
    pd.testing.assert_series_equal(rep, once)


def test_distinct_values_follow_the_stored_texts_copies_too() -> None:
    values = _repeated().distinct_values()
    assert len(values) == 6 and values[0] == values[3] == {"zone": "a"}
    assert values[1] == values[4] == {"a": 2, "b": 1}


def test_takes_copies_slices_and_pickles_keep_the_values() -> None:
    arr = _repeated()
    assert arr.take([4, 0, 1], allow_fill=True).tolist() == [{"zone": "a"}, {"zone": "a"}, None]
    assert arr.copy().tolist() == arr[:].tolist() == VALUES
    assert arr[2:].tolist() == VALUES[2:] and arr[arr.isna()].tolist() == [None, None]
    back = pickle.loads(pickle.dumps(arr))
    assert back.tolist() == VALUES and len(back.texts) == 6
    assert pd.Series(back).nunique() == 4


def test_concat_of_other_arrays_and_parquet_hold_each_text_once() -> None:
    both = pd.concat([pd.Series(_repeated()), pd.Series(_once())], ignore_index=True)
    texts = both.array.texts.to_pylist()
    assert len(texts) == len(set(texts)) == 5 and both.tolist() == VALUES + VALUES
    buf = io.BytesIO()
    pd.DataFrame({"m": pd.Series(_repeated())}).to_parquet(buf)
    back = pd.read_parquet(io.BytesIO(buf.getvalue()))
    assert back["m"].dtype == "json" and back["m"].tolist() == VALUES
    assert len(back["m"].array.texts) == 5
    dictionary = pq.read_table(io.BytesIO(buf.getvalue())).column("m").chunk(0).dictionary
    assert sorted(dictionary.to_pylist()) == sorted(set(dictionary.to_pylist()))


def test_setting_a_value_held_twice_uses_its_first_copy() -> None:
    arr = _repeated()
    arr[1] = {"zone": "a"}
    assert arr.codes[1] == 0 and len(arr.texts) == 6
    arr[7] = {"new": True}
    assert len(arr.texts) == 7 and arr[7] == {"new": True}
    assert pd.Series(arr).value_counts().iloc[0] == 3

"""The ``json`` column: pandas' extension-array conformance suite, then what users do with it."""

from __future__ import annotations

import io
import json
import operator
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandas._testing as tm
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.tests.extension import base

from auditkit.frame import JSONArray, JSONDtype
from auditkit.frame._jsoncolumn import is_json_column, json_texts


def _make(values: list[Any]) -> JSONArray:
    return JSONArray._from_sequence(values)


# ---------------------------------------------------------------- conformance fixtures
# As in pandas/tests/extension/conftest.py and json/test_json.py (dict values only).


@pytest.fixture
def dtype() -> JSONDtype:
    return JSONDtype()


@pytest.fixture
def data() -> JSONArray:
    return _make(
        [
            {"zone": "a", "n": 1},
            {"zone": "b", "tags": ["x", "y"]},
            {"enabled": True},
            {"enabled": False},
            {"ttl": 300, "proxied": True},
            {"nested": {"k": [1, 2, {"deep": None}]}},
            {"zone": "a", "n": 1},
            {"ids": [1, 2, 3], "ok": None},
            {"name": "żółw ✓"},
            {},
        ]
    )


@pytest.fixture
def data_missing() -> JSONArray:
    return _make([None, {"a": 10}])


@pytest.fixture
def data_for_sorting() -> JSONArray:
    # [B, C, A] with A < B < C (ordered by JSON text with sorted keys)
    return _make([{"b": 1}, {"c": 4}, {"a": 2, "c": 3}])


@pytest.fixture
def data_missing_for_sorting() -> JSONArray:
    return _make([{"b": 1}, None, {"a": 4}])


@pytest.fixture
def data_for_grouping() -> JSONArray:
    b, a, c = {"b": 1}, {"a": 0, "c": 2}, {"c": 2}
    return _make([b, b, None, None, a, a, b, c])


@pytest.fixture
def na_cmp() -> Callable[[Any, Any], bool]:
    return operator.is_


@pytest.fixture
def na_value() -> None:
    return None


@pytest.fixture(params=["data", "data_missing"])
def all_data(request: pytest.FixtureRequest, data: JSONArray, data_missing: JSONArray) -> JSONArray:
    return data if request.param == "data" else data_missing


@pytest.fixture
def data_repeated(data: JSONArray) -> Callable[[int], Iterator[JSONArray]]:
    def gen(count: int) -> Iterator[JSONArray]:
        for _ in range(count):
            yield data

    return gen


@pytest.fixture(params=[True, False])
def box_in_series(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture(params=[True, False])
def as_frame(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture(params=[True, False])
def as_series(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture(params=[True, False])
def use_numpy(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture(params=[True, False])
def as_array(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture(params=["ffill", "bfill"])
def fillna_method(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(
    params=[
        lambda x: 1,
        lambda x: [1] * len(x),
        lambda x: pd.Series([1] * len(x)),
        lambda x: x,
    ],
    ids=["scalar", "list", "series", "object"],
)
def groupby_apply_op(request: pytest.FixtureRequest) -> Callable[[Any], Any]:
    return request.param


@pytest.fixture
def invalid_scalar() -> object:
    return object.__new__(object)


@pytest.fixture(params=["string[python]", "string[pyarrow]"])
def nullable_string_dtype(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=[True, False])
def using_nan_is_na(request: pytest.FixtureRequest) -> Iterator[bool]:
    with pd.option_context("future.distinguish_nan_and_na", not request.param):
        yield request.param


# ---------------------------------------------------------------- known limitations
# Each entry is a strict xfail of exactly that test id: they fail for reasons in
# pandas (or in the tests' expectations), not in JSONArray; most fail the same way
# for a plain object column of dicts.

_DICT_SET = "pandas takes a dict set through a Series/.loc/.iloc as list-like or a Series to align (object columns too); [], .at and .iat work"
_DICT_FILL = (
    "Series/DataFrame.fillna take a dict as a mapping of labels to values (object columns too)"
)
_UNHASHABLE = "groupby names each group by its key, and a dict key is unhashable"
_INDEX = "an Index over the values hashes them as objects, and dicts are unhashable"

KNOWN_FAILURES: dict[str, str] = {
    "test_setitem_scalar[loc]": _DICT_SET,
    "test_setitem_scalar[iloc]": _DICT_SET,
    "test_setitem_loc_scalar_single": _DICT_SET,
    "test_setitem_loc_scalar_mixed": _DICT_SET,
    "test_setitem_loc_scalar_multiple_homogoneous": _DICT_SET,
    "test_setitem_iloc_scalar_single": _DICT_SET,
    "test_setitem_iloc_scalar_mixed": _DICT_SET,
    "test_setitem_iloc_scalar_multiple_homogoneous": _DICT_SET,
    "test_setitem_sequence_broadcasts[True]": _DICT_SET,
    "test_setitem_mask[True-numpy-array]": _DICT_SET,
    "test_setitem_mask[True-boolean-array]": _DICT_SET,
    "test_setitem_mask[True-boolean-array-na]": _DICT_SET,
    "test_setitem_mask_boolean_array_with_na[True]": _DICT_SET,
    "test_setitem_integer_array[True-list]": _DICT_SET,
    "test_setitem_integer_array[True-integer-array]": _DICT_SET,
    "test_setitem_integer_array[True-numpy-array]": _DICT_SET,
    "test_setitem_mask_broadcast[loc]": _DICT_SET,
    "test_setitem_mask_broadcast[None]": _DICT_SET,
    "test_setitem_slice[True]": _DICT_SET,
    "test_setitem_loc_iloc_slice": _DICT_SET,
    "test_setitem_with_expansion_row": _DICT_SET,
    "test_fillna_copy_frame": _DICT_SET,
    "test_fillna_series": _DICT_FILL,
    "test_fillna_frame": _DICT_FILL,
    "test_fillna_limit_series": _DICT_FILL,
    "test_fillna_limit_frame": _DICT_FILL,
    "test_series_constructor_scalar_with_index": "pd.Series(dict, index=...) takes the dict as a mapping of labels to values",
    "test_from_dtype": "pd.DataFrame(list of dicts) takes each dict as a record of columns",
    "test_groupby_extension_transform": _UNHASHABLE,
    "test_groupby_extension_apply[scalar]": _UNHASHABLE,
    "test_groupby_extension_apply[list]": _UNHASHABLE,
    "test_groupby_extension_apply[series]": _UNHASHABLE,
    "test_groupby_extension_apply[object]": _UNHASHABLE,
    "test_merge_on_extension_array": _INDEX,
    "test_sort_values_frame[True]": "sorting by several columns builds a Categorical; " + _INDEX,
    "test_sort_values_frame[False]": "sorting by several columns builds a Categorical; " + _INDEX,
    "test_combine_le": "the test orders dicts with <=, which Python does not define",
    "test_unstack[series-index1]": "the expected object-dtype unstack fills with NaN; this column's missing value is None",
    "test_unstack[series-index2]": "the expected object-dtype unstack fills with NaN; this column's missing value is None",
    "test_unstack[series-index3]": "the expected object-dtype unstack fills with NaN; this column's missing value is None",
    "test_unstack[frame-index1]": "the expected object-dtype unstack fills with NaN; this column's missing value is None",
    "test_unstack[frame-index2]": "the expected object-dtype unstack fills with NaN; this column's missing value is None",
    "test_unstack[frame-index3]": "the expected object-dtype unstack fills with NaN; this column's missing value is None",
}


class TestJSONArray(
    base.BaseDtypeTests,
    base.BaseInterfaceTests,
    base.BaseConstructorsTests,
    base.BaseGetitemTests,
    base.BaseSetitemTests,
    base.BaseMissingTests,
    base.BaseReshapingTests,
    base.BaseMethodsTests,
    base.BaseCastingTests,
    base.BaseGroupbyTests,
    base.BasePrintingTests,
    base.BaseIndexTests,
):
    @pytest.fixture(autouse=True)
    def _known_failures(self, request: pytest.FixtureRequest) -> None:
        reason = KNOWN_FAILURES.get(request.node.name)
        if reason is not None:
            request.applymarker(pytest.mark.xfail(strict=True, reason=reason))

    # pandas' versions of these two skip themselves for JSON values; say what happens instead.

    @pytest.mark.parametrize("periods", [1, -2])
    def test_diff(self, data: JSONArray, periods: int) -> None:
        with pytest.raises(TypeError, match="has no 'diff' method"):
            pd.Series(data[:5]).diff(periods)

    def test_loc_setitem_with_expansion_preserves_ea_index_dtype(self, data: JSONArray) -> None:
        with pytest.raises(TypeError, match="unhashable type: 'dict'"):
            _ = pd.Index(data).is_unique  # the base test builds a frame indexed by the values

    # Deliberate: string dtypes get the compact JSON text, not the Python repr.

    def test_astype_str(self, data: JSONArray) -> None:
        result = pd.Series(data[:5]).astype(str)
        expected = pd.Series([json.dumps(v, separators=(",", ":")) for v in data[:5]], dtype=str)
        tm.assert_series_equal(result, expected)
        assert result[1] == '{"zone":"b","tags":["x","y"]}'

    def test_astype_string(self, data: JSONArray, nullable_string_dtype: str) -> None:
        result = pd.Series(data[:5]).astype(nullable_string_dtype)
        expected = pd.Series(
            [json.dumps(v, separators=(",", ":")) for v in data[:5]], dtype=nullable_string_dtype
        )
        tm.assert_series_equal(result, expected)

    # Deliberate: a dict is this dtype's scalar, so the array fills with it.

    def test_fillna_raises_with_dict(self, data_missing: JSONArray) -> None:
        result = data_missing.fillna({0: "x"})
        assert result.tolist() == [{"0": "x"}, {"a": 10}]


def test_every_known_failure_names_a_test() -> None:
    names = {n.split("[")[0] for n in KNOWN_FAILURES}
    assert all(hasattr(TestJSONArray, n) for n in names)


# ---------------------------------------------------------------- what users do


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["e1", "e2", "e3", "e4"],
            "seq": [3, 1, 2, 0],
            "metadata": _make(
                [
                    {"zone": "example.com", "plan": "free"},
                    None,
                    {"zone": "example.org", "ttl": 300},
                    {"rules": [{"id": 1, "on": True}, {"id": 2, "on": False}]},
                ]
            ),
        }
    )


METADATA = [
    {"zone": "example.com", "plan": "free"},
    None,
    {"zone": "example.org", "ttl": 300},
    {"rules": [{"id": 1, "on": True}, {"id": 2, "on": False}]},
]


def test_the_frame_column_is_json() -> None:
    df = _frame()
    assert df.dtypes["metadata"] == "json"
    assert is_json_column(df["metadata"]) and is_json_column(df["metadata"].array)
    assert not is_json_column(df["id"]) and not is_json_column(df)
    assert df["metadata"].tolist() == METADATA


def test_loc_gives_a_dict_to_index_into() -> None:
    df = _frame()
    assert df.loc[0, "metadata"]["zone"] == "example.com"
    assert df.loc[3, "metadata"]["rules"][1] == {"id": 2, "on": False}
    assert df.loc[1, "metadata"] is None
    assert df.at[2, "metadata"]["ttl"] == 300
    assert df["metadata"].iloc[-1]["rules"][0]["on"] is True


def test_reads_are_fresh_objects_and_changing_them_changes_nothing() -> None:
    df = _frame()
    s = df["metadata"]
    df.loc[0, "metadata"]["zone"] = "changed"
    s[0]["plan"] = "changed"
    for value in s:
        if value is not None:
            value.clear()
    s.tolist()[2]["ttl"] = 0
    s.to_numpy()[3]["rules"].append("x")
    s.apply(lambda d: d.update(seen=True) if d else None)
    assert df["metadata"].tolist() == METADATA
    assert s[0] is not s[0]
    assert s.to_numpy()[0] == METADATA[0]


def test_apply_and_map_give_what_they_give_for_a_column_of_dicts() -> None:
    s = _frame()["metadata"]
    plain = pd.Series(METADATA, name="metadata")
    for func in (
        lambda d: d and d.get("zone"),
        lambda d: (d or {}).get("ttl", 0),
        lambda d: len(d or {}),
        lambda d: d,
    ):
        result, expected = s.apply(func), plain.apply(func)
        if result.dtype == "json":
            expected = expected.astype("json")
        tm.assert_series_equal(result, expected)
    assert s.map(lambda d: (d or {}).get("zone", "-")).tolist() == [
        "example.com",
        "-",
        "example.org",
        "-",
    ]


def test_mapping_to_json_strings_keeps_strings() -> None:
    s = _frame()["metadata"]
    result = s.map(json.dumps)
    assert result.dtype != "json"
    assert result.tolist() == [json.dumps(v) for v in METADATA]
    assert s.map(lambda d: [1, 2] if d else None).dtype == "json"


def test_boolean_mask_filtering() -> None:
    df = _frame()
    later = df[df["seq"] > 1]
    assert later["id"].tolist() == ["e1", "e3"]
    assert later["metadata"].dtype == "json"
    assert later["metadata"].tolist() == [METADATA[0], METADATA[2]]
    present = df[df["metadata"].notna()]
    assert present["id"].tolist() == ["e1", "e3", "e4"]
    has_zone = df["metadata"].map(lambda d: bool(d) and "zone" in d).astype(bool)
    assert df.loc[has_zone, "metadata"].map(lambda d: d["zone"]).tolist() == [
        "example.com",
        "example.org",
    ]


def test_sort_values_by_another_column() -> None:
    result = _frame().sort_values("seq")
    assert result["id"].tolist() == ["e4", "e2", "e3", "e1"]
    assert result["metadata"].tolist() == [METADATA[3], None, METADATA[2], METADATA[0]]
    assert result["metadata"].dtype == "json"


def test_sort_values_by_the_json_column_orders_by_text_with_sorted_keys() -> None:
    result = _frame().sort_values("metadata")
    # '{"plan":...' < '{"rules":...' < '{"ttl":...,"zone":...}', missing last
    assert result["id"].tolist() == ["e1", "e4", "e3", "e2"]


def test_concat_of_frames_with_different_dictionaries() -> None:
    a = _frame()
    b = pd.DataFrame(
        {
            "id": ["f1", "f2"],
            "seq": [9, 8],
            "metadata": _make([{"zone": "example.org", "ttl": 300}, {"new": ["v"]}]),
        }
    )
    result = pd.concat([a, b], ignore_index=True)
    assert result["metadata"].dtype == "json"
    assert result["metadata"].tolist() == [*METADATA, METADATA[2], {"new": ["v"]}]
    arr = result["metadata"].array
    assert sorted(arr.texts.to_pylist()) == sorted(
        {t for t in arr.text_values() if t is not None}
    )  # one text per distinct value, shared across both inputs
    assert arr.codes.tolist()[2] == arr.codes.tolist()[4]


def test_copy_is_independent_and_views_share() -> None:
    df = _frame()
    other = df.copy()
    other.at[0, "metadata"] = {"zone": "changed"}
    other.iat[1, 2] = [1, 2]
    assert df["metadata"].tolist() == METADATA
    assert other["metadata"].tolist()[:2] == [{"zone": "changed"}, [1, 2]]

    arr = df["metadata"].array.copy()
    view, copied = arr[1:], arr.copy()
    arr[1] = {"set": True}
    assert view[0] == {"set": True}
    assert copied[1] is None


def test_setitem_on_the_array() -> None:
    arr = _make(METADATA)
    arr[[0, 2]] = {"same": 1}
    arr[np.array([False, True, False, False])] = [{"one": 1}]
    arr[3] = [1, [2]]  # a JSON array into one position
    arr[2:4] = [None, '{"from":"text"}']
    assert arr.tolist() == [{"same": 1}, {"one": 1}, None, {"from": "text"}]
    with pytest.raises(ValueError, match="2 values into 3 positions"):
        arr[[0, 1, 2]] = [{"a": 1}, {"b": 2}]
    with pytest.raises(ValueError, match="one position"):
        arr[0] = _make([{"a": 1}, {"b": 2}])
    with pytest.raises(TypeError, match="holds dicts and lists"):
        arr[0] = 5
    with pytest.raises(ValueError, match="not JSON text"):
        arr[0] = "zone"
    assert arr.tolist() == [{"same": 1}, {"one": 1}, None, {"from": "text"}]


def test_setting_many_new_values_widens_the_codes() -> None:
    arr = _make([{"i": i} for i in range(100)])
    assert arr.codes.dtype == np.int8
    arr[:] = [{"j": j} for j in range(100)]
    assert arr.codes.dtype == np.int16
    assert arr.tolist() == [{"j": j} for j in range(100)]
    assert len(arr.texts) == 200


def test_pickle_round_trip() -> None:
    df = _frame()
    back = pickle.loads(pickle.dumps(df))
    tm.assert_frame_equal(back, df)
    assert back["metadata"].dtype == "json"
    assert back["metadata"].array.texts.equals(df["metadata"].array.texts)


def test_parquet_round_trip(tmp_path: Path) -> None:
    df = _frame()
    path = tmp_path / "frame.parquet"
    df.to_parquet(path, engine="pyarrow")
    stored = pq.read_schema(path).field("metadata").type
    assert stored == pa.dictionary(pa.int32(), pa.string())
    back = pd.read_parquet(path, engine="pyarrow")
    assert back["metadata"].dtype == "json"
    tm.assert_frame_equal(back, df)
    assert back["metadata"].array.text_values() == df["metadata"].array.text_values()


def test_to_csv_writes_the_python_repr_like_a_column_of_dicts() -> None:
    df = _frame()
    assert df.to_csv(index=False) == (
        "id,seq,metadata\n"
        "e1,3,\"{'zone': 'example.com', 'plan': 'free'}\"\n"
        "e2,1,\n"
        "e3,2,\"{'zone': 'example.org', 'ttl': 300}\"\n"
        "e4,0,\"{'rules': [{'id': 1, 'on': True}, {'id': 2, 'on': False}]}\"\n"
    )
    assert df.to_csv(index=False) == df.astype({"metadata": object}).to_csv(index=False)


def test_memory_usage_deep_is_codes_plus_texts() -> None:
    df = _frame()
    arr = df["metadata"].array
    expected = arr.codes.nbytes + arr.texts.nbytes
    assert df.memory_usage(deep=True)["metadata"] == expected
    assert df["metadata"].memory_usage(deep=True, index=False) == expected
    assert arr.nbytes == expected == 4 + arr.texts.nbytes


def test_isna_notna() -> None:
    s = _frame()["metadata"]
    assert s.isna().tolist() == [False, True, False, False]
    assert s.notna().tolist() == [True, False, True, True]
    assert pd.isna(s).tolist() == [False, True, False, False]
    assert s.count() == 3
    assert s.dropna().index.tolist() == [0, 2, 3]


def test_fillna() -> None:
    s = _frame()["metadata"]
    empty = pd.Series([{}] * 4, index=s.index, dtype="json")
    assert s.fillna(empty).tolist() == [METADATA[0], {}, METADATA[2], METADATA[3]]
    assert s.array.fillna({}).tolist() == [METADATA[0], {}, METADATA[2], METADATA[3]]
    assert s.where(s.notna(), {}).tolist() == [METADATA[0], {}, METADATA[2], METADATA[3]]
    assert s.ffill().tolist() == [METADATA[0], METADATA[0], METADATA[2], METADATA[3]]
    # a dict given to Series.fillna is a mapping of labels, as for a column of dicts
    assert s.fillna({}).tolist() == METADATA
    assert pd.Series(METADATA).fillna({}).tolist() == METADATA


def test_equals_and_assert_frame_equal() -> None:
    df = _frame()
    assert df.equals(df.copy())
    tm.assert_frame_equal(df, _frame())
    reordered = _frame()
    reordered.at[0, "metadata"] = {"plan": "free", "zone": "example.com"}
    assert df.equals(reordered)  # equal dicts, keys written in another order
    changed = _frame()
    changed.at[1, "metadata"] = {}
    assert not df.equals(changed)
    with pytest.raises(AssertionError):
        tm.assert_frame_equal(df, changed)


def test_to_json_lines_writes_objects() -> None:
    text = _frame().to_json(orient="records", lines=True)
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r["metadata"] for r in rows] == METADATA
    assert text.splitlines()[0] == (
        '{"id":"e1","seq":3,"metadata":{"zone":"example.com","plan":"free"}}'
    )


def test_repr_of_a_frame() -> None:
    assert repr(_frame()) == (
        "   id  seq                                           metadata\n"
        "0  e1    3            {'zone': 'example.com', 'plan': 'free'}\n"
        "1  e2    1                                               None\n"
        "2  e3    2                {'zone': 'example.org', 'ttl': 300}\n"
        "3  e4    0  {'rules': [{'id': 1, 'on': True}, {'id': 2, 'o..."
    )
    assert repr(_frame()["metadata"]).endswith("Name: metadata, dtype: json")


def test_json_texts_and_is_json_column() -> None:
    s = _frame()["metadata"]
    assert json_texts(s).to_pylist() == [
        '{"zone":"example.com","plan":"free"}',
        None,
        '{"zone":"example.org","ttl":300}',
        '{"rules":[{"id":1,"on":true},{"id":2,"on":false}]}',
    ]
    assert json_texts(s).type == pa.large_string()
    # a column of dicts is written with sorted keys
    assert json_texts(pd.Series(METADATA)).to_pylist()[0] == '{"plan":"free","zone":"example.com"}'
    assert is_json_column(s) and not is_json_column(pd.Series(METADATA))


def test_large_ints_unicode_and_nested_lists(tmp_path: Path) -> None:
    values = [
        {"big": 2**70, "small": -(2**70)},
        {"name": "żółw ✓ 🐢", "ключ": "значение"},
        [[1, [2, [3]]], [], [{"a": [None]}]],
    ]
    s = pd.Series(_make(values))
    assert s.tolist() == values
    assert s[0]["big"] == 2**70 and isinstance(s[0]["big"], int)
    assert s.astype("string").tolist() == [
        '{"big":1180591620717411303424,"small":-1180591620717411303424}',
        '{"name":"żółw ✓ 🐢","ключ":"значение"}',
        '[[1,[2,[3]]],[],[{"a":[null]}]]',
    ]
    path = tmp_path / "edge.parquet"
    s.to_frame("v").to_parquet(path)
    assert pd.read_parquet(path)["v"].tolist() == values
    assert pickle.loads(pickle.dumps(s)).tolist() == values


def test_arrays_of_lists_convert_to_numpy() -> None:
    arr = _make([[1, 2], [3, 4], None])
    out = arr.to_numpy()
    assert out.shape == (3,) and out.dtype == object
    assert out.tolist() == [[1, 2], [3, 4], None]
    assert np.asarray(arr).tolist() == [[1, 2], [3, 4], None]
    assert arr.to_numpy(na_value=[]).tolist() == [[1, 2], [3, 4], []]


def test_contains_and_comparisons() -> None:
    arr = _make([{"a": 1, "b": 2}, [1, 2], None])
    assert {"b": 2, "a": 1} in arr
    assert [1, 2] in arr
    assert None in arr
    assert {"a": 1} not in arr and "x" not in arr and 5 not in arr
    s = pd.Series(arr)
    assert (s == {"a": 1, "b": 2}).tolist() == [True, False, False]
    assert (s != {"a": 1, "b": 2}).tolist() == [False, True, True]


def test_unique_value_counts_factorize_groupby_treat_key_order_as_equal() -> None:
    s = pd.Series(_make([{"a": 1, "b": 2}, None, {"b": 2, "a": 1}, [1], None, [1]]))
    assert s.unique().tolist() == [{"a": 1, "b": 2}, None, [1]]
    assert s.nunique() == 2
    counts = s.value_counts()
    assert counts.tolist() == [2, 2] and counts.index.dtype == "json"
    assert s.value_counts(dropna=False).tolist() == [2, 2, 2]
    codes, uniques = s.factorize()
    assert codes.tolist() == [0, -1, 0, 1, -1, 1]
    assert uniques.tolist() == [{"a": 1, "b": 2}, [1]]
    assert s.duplicated().tolist() == [False, False, True, False, True, True]
    assert s.isin([{"b": 2, "a": 1}]).tolist() == [True, False, True, False, False, False]
    sizes = pd.DataFrame({"m": s, "n": 1}).groupby("m", dropna=False)["n"].sum()
    assert sizes.tolist() == [2, 2, 2]
    assert s.mode().tolist() == [[1], {"a": 1, "b": 2}]  # "[" sorts before "{"


def test_shift_and_take_with_a_fill_value() -> None:
    arr = _make([{"a": 1}, {"b": 2}])
    assert arr.shift(1, fill_value={"a": 1}).tolist() == [{"a": 1}, {"a": 1}]
    assert arr.shift(-1).tolist() == [{"b": 2}, None]
    taken = arr.take([1, -1], allow_fill=True, fill_value=[0])
    assert taken.tolist() == [{"b": 2}, [0]]
    again = arr.take([-1, 0], allow_fill=True, fill_value={"a": 1})
    assert again.codes.tolist() == [0, 0] and len(again.texts) == 2


def test_readonly_array_refuses_writes() -> None:
    arr = _make([{"a": 1}, None])
    arr._readonly = True
    with pytest.raises(ValueError, match="read-only"):
        arr[1] = {"b": 2}
    assert arr.fillna({}).tolist() == [{"a": 1}, {}]
    assert arr.tolist() == [{"a": 1}, None]


def test_constructing_from_text_and_values() -> None:
    assert pd.Series(['{"a":1}', None, "[2]"], dtype="json").tolist() == [{"a": 1}, None, [2]]
    assert pd.Series(['{"a":1}']).astype("json").tolist() == [{"a": 1}]
    spaced = pd.Series(['{ "a" : [1, 2] }', '{"a":[1,2]}'], dtype="json").array
    assert spaced.text_values() == ['{"a":[1,2]}', '{"a":[1,2]}'] and len(spaced.texts) == 1
    assert pd.array([{"a": 1}, np.nan, pd.NA], dtype="json").tolist() == [{"a": 1}, None, None]
    with pytest.raises(ValueError, match="object or an array"):
        pd.Series(["1"], dtype="json")

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no text")

    with pytest.raises(TypeError, match="cannot write"):
        _make([{"a": Unprintable()}])


def test_csv_text_is_readable_back_through_astype() -> None:
    written = io.StringIO(
        pd.DataFrame({"m": json_texts(_frame()["metadata"]).to_pylist()}).to_csv(index=False)
    )
    back = pd.read_csv(written)["m"].astype("json")
    assert back.tolist() == METADATA

"""Property-based: the record-to-frame step never crashes and keeps every record."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit.errors import APIError
from auditkit.frame import COLUMNS, dtypes, records_to_frame

#: Top-level fields the schema reads, written out here (not taken from the code under test).
KNOWN = {"id", "when", "action", "actor", "interface", "resource", "owner", "metadata"}
KNOWN |= {"oldValue", "newValue", "oldValueJson", "newValueJson"}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.sampled_from(["", "null", "NULL", "2026-10-01T00:00:00Z", "2026-10-01", "x" * 5000]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
timestamps = st.one_of(
    json_values,
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+05:30"),
    st.sampled_from(
        ["0000-00-00T00:00:00Z", "9999-12-31T23:59:59.999999Z", "1677-09-21T00:12:43Z"]
    ),
)
nested = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "type": json_values,
        "email": json_values,
        "ip": json_values,
        "result": json_values,
        "info": json_values,
        "name": json_values,
        "zone_name": json_values,
    },
)
records = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "id": json_values,
            "when": timestamps,
            "action": st.one_of(nested, json_values),
            "actor": st.one_of(nested, json_values),
            "owner": st.one_of(nested, json_values),
            "resource": st.one_of(nested, json_values),
            "metadata": st.one_of(nested, json_values),
            "interface": json_values,
            "newValue": json_values,
            "oldValue": json_values,
            "newValueJson": json_values,
            "oldValueJson": json_values,
            "unexpected": json_values,
        },
    ),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, max_size=12))
def test_any_shape_loads_every_record_with_the_schema(recs: list[Any]) -> None:
    if recs and not any(type(r) is dict and KNOWN & r.keys() for r in recs):
        # No record has a field the schema reads: records of another shape, refused.
        with pytest.raises(APIError, match=f"none of the {len(recs)} records"):
            records_to_frame(recs)
        return
    df = records_to_frame(recs)
    assert len(df) == len(recs)
    assert {c: str(t) for c, t in df.dtypes.items()} == dtypes()
    for col in COLUMNS:
        if col.kind in ("string", "category"):
            values = df[col.name].dropna().astype(str)
            assert not (values == "").any()
            if col.null_literals:
                assert not values.isin(col.null_literals).any()
        if col.kind == "json":
            assert all(v is None or isinstance(v, dict | list) for v in df[col.name])


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30), st.booleans())
def test_clean_values_survive_exactly(email: str, result: bool) -> None:
    df = records_to_frame([{"actor": {"email": email}, "action": {"result": result}}])
    expected = pd.NA if email in ("",) else email
    got = df.loc[0, "actor_email"]
    assert pd.isna(got) if expected is pd.NA else got == expected
    assert bool(df.loc[0, "action_result"]) is result

"""Query rows → DataFrames whose dtypes do not depend on what the rows happen to hold.

A column of an empty result, or one whose values are all NULL, would otherwise come out as
`object`; a `numeric` column as Python Decimals; a `date` as Python dates. Every API method
names its columns and kinds once, and callers can rely on them: times are
`datetime64[us, UTC]`, numbers `float64`, counts `int64`, text `str`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

TEXT = "str"  # text; missing values are NaN (pandas' str dtype)
FLOAT = "float64"
INT = "int64"
BOOL = "bool"
TIME = "datetime64[us, UTC]"
OBJECT = "object"  # JSON values (dicts, lists) as Python objects


def frame(rows: Sequence[Sequence], columns: Mapping[str, str]) -> pd.DataFrame:
    """A DataFrame of `rows` (tuples in `columns`' order) with each column cast to its kind."""
    data = pd.DataFrame.from_records(list(rows), columns=list(columns))
    for name, kind in columns.items():
        data[name] = _cast(data[name], kind)
    return data


def _cast(column: pd.Series, kind: str) -> pd.Series:
    if kind == FLOAT:
        return column.astype(object).astype(FLOAT)  # Decimal → float, None → NaN
    if kind == TIME:
        return pd.to_datetime(column, utc=True).astype(TIME)
    if kind == INT:
        return column.astype(INT)
    if kind == BOOL:
        return column.astype(BOOL)
    if kind == TEXT:
        return column.astype(TEXT)
    return column.astype(OBJECT)

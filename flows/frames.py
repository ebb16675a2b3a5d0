"""Rows <-> DataFrames <-> Parquet in each table's exact schema (the one in ``schemas/``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from schemas import Table, table
from schemas.generate import arrow_schema

PANDAS_TYPES = {
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}
"""Nullable pandas types, so an integer column with nulls stays integer."""


def arrow_to_frame(arrow: pa.Table, definition: Table) -> pd.DataFrame:
    frame = arrow.to_pandas(types_mapper=PANDAS_TYPES.get, date_as_object=True)
    for column in definition.columns:
        if column.type == "list<string>":
            frame[column.name] = frame[column.name].map(lambda v: list(v) if v is not None else None)
    return frame[definition.column_names]


def _none_if_missing(value: object) -> object:
    """pandas marks missing values as NaN, NA or NaT; Arrow wants None."""
    if value is None or isinstance(value, (list, tuple, dict)):
        return value
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def rows_to_frame(table_name: str, rows: list[dict]) -> pd.DataFrame:
    definition = table(table_name)
    arrow = pa.Table.from_pylist([{c: _none_if_missing(r.get(c)) for c in definition.column_names} for r in rows],
                                 schema=arrow_schema(definition))
    return arrow_to_frame(arrow, definition)


def empty_frame(table_name: str) -> pd.DataFrame:
    return rows_to_frame(table_name, [])


def write_frame(frame: pd.DataFrame, table_name: str, path: Path) -> None:
    definition = table(table_name)
    arrow = pa.Table.from_pandas(frame[definition.column_names], schema=arrow_schema(definition), preserve_index=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(arrow, tmp, compression="zstd")
    tmp.replace(path)


def read_frame(path: Path, table_name: str) -> pd.DataFrame:
    definition = table(table_name)
    return arrow_to_frame(pq.read_table(path, schema=arrow_schema(definition)), definition)

"""Great Expectations (GX 1.x) suites generated from the table definitions.

Every rule in ``schemas/tables/<table>.yaml`` (non-null, unique, primary key, allowed values,
pattern, min/max, foreign keys) becomes one expectation here, so the YAML stays the only place a
rule is written. Each expectation's ``meta["schema_rule"]`` says in words which rule it enforces,
which is what a reader of a failed validation needs.

GX has no cross-table expectation, so a foreign key becomes ``expect_column_values_to_be_in_set``
whose value set is a suite parameter (``{"$PARAMETER": ...}``): the suite itself stays static and
data-free, and ``foreign_key_parameters`` fills in the parent table's key values from the
DataFrames being validated at validation time.
"""

from __future__ import annotations

import os

# GX must never phone home from the pipeline or CI; the variable is read when GX is imported.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from collections.abc import Mapping, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from importlib import resources  # noqa: E402
from typing import Any  # noqa: E402

import great_expectations.expectations as gxe  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import yaml  # noqa: E402
from great_expectations.core import ExpectationSuite  # noqa: E402

from schemas import ForeignKey, Table, load_tables  # noqa: E402
from schemas.generate import arrow_schema  # noqa: E402

SCALAR_RULE_TYPES = ("string", "int32", "int64", "float64", "bool", "date", "timestamp")
"""Column types that allowed_values / pattern / min / max / unique may be declared on."""


def suite_name(table: Table) -> str:
    return f"newsevents.{table.name}"


def foreign_key_parameter(fk: ForeignKey) -> str:
    """Name of the suite parameter holding the parent key values of one foreign key.

    Named after the referenced column, so two foreign keys to the same parent share one value set.
    """
    return f"keys_of_{fk.table}_{fk.references}"


def _rule(table: Table, text: str) -> dict[str, str]:
    return {"schema_rule": f"{text} (schemas/tables/{table.name}.yaml)"}


def _check_rules_apply(table: Table) -> None:
    """Refuse value rules on list columns: GX would compare whole lists and fail confusingly."""
    for c in table.columns:
        has_value_rule = c.unique or c.allowed_values is not None or c.pattern is not None
        has_value_rule = has_value_rule or c.min is not None or c.max is not None
        if has_value_rule and c.type not in SCALAR_RULE_TYPES:
            raise ValueError(f"{table.name}.{c.name}: value rules are not supported on {c.type} columns")


def build_expectations(table: Table) -> list[gxe.Expectation]:
    """The expectations enforcing every rule of one table definition, in a stable order."""
    _check_rules_apply(table)
    expectations: list[gxe.Expectation] = [
        gxe.ExpectTableColumnsToMatchOrderedList(
            column_list=table.column_names,
            meta=_rule(table, f"{table.name} has exactly the defined columns, in order"),
        )
    ]
    key = table.primary_key
    single_key = key[0] if len(key) == 1 else None

    for c in table.columns:
        where = f"{table.name}.{c.name}"
        if not c.nullable or c.name in key:
            why = "is part of the primary key" if c.nullable else "is declared nullable: false"
            expectations.append(
                gxe.ExpectColumnValuesToNotBeNull(column=c.name, meta=_rule(table, f"{where} {why}"))
            )
        if c.unique or c.name == single_key:
            reasons = ["unique: true"] if c.unique else []
            if c.name == single_key:
                reasons.append("the primary key")
            expectations.append(
                gxe.ExpectColumnValuesToBeUnique(
                    column=c.name, meta=_rule(table, f"{where} is unique ({' and '.join(reasons)})")
                )
            )
        if c.allowed_values is not None:
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=c.name,
                    value_set=list(c.allowed_values),
                    meta=_rule(table, f"{where} takes only its allowed_values"),
                )
            )
        if c.pattern is not None:
            expectations.append(
                gxe.ExpectColumnValuesToMatchRegex(
                    column=c.name,
                    regex=c.pattern,
                    meta=_rule(table, f"{where} matches pattern {c.pattern}"),
                )
            )
        if c.min is not None or c.max is not None:
            bounds = " and ".join(
                f"{label} {value}" for label, value in (("min", c.min), ("max", c.max)) if value is not None
            )
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=c.name,
                    min_value=c.min,
                    max_value=c.max,
                    meta=_rule(table, f"{where} lies within {bounds}"),
                )
            )

    if len(key) > 1:
        expectations.append(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=list(key),
                meta=_rule(table, f"{table.name} primary key ({', '.join(key)}) is unique"),
            )
        )

    for fk in table.foreign_keys:
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(
                column=fk.column,
                value_set={"$PARAMETER": foreign_key_parameter(fk)},
                meta={
                    **_rule(
                        table,
                        f"foreign key: non-null {table.name}.{fk.column} values exist in "
                        f"{fk.table}.{fk.references}",
                    ),
                    "foreign_key_parameter": foreign_key_parameter(fk),
                },
            )
        )
    return expectations


def build_suite(table: Table) -> ExpectationSuite:
    """A fresh, unsaved suite for one table (each GX context needs its own suite objects)."""
    return ExpectationSuite(
        name=suite_name(table),
        expectations=build_expectations(table),
        meta={"table": table.name, "generated_from": f"schemas/tables/{table.name}.yaml"},
    )


def build_suites() -> dict[str, ExpectationSuite]:
    """One suite per table, keyed by table name, in publishing order."""
    return {name: build_suite(t) for name, t in load_tables().items()}


def foreign_key_parameters(table: Table, frames: Mapping[str, pd.DataFrame]) -> dict[str, list[Any]]:
    """Suite parameter values for ``table``'s foreign keys: the parents' key values in ``frames``.

    Raises ``KeyError`` when a parent table is missing, because referential integrity cannot be
    judged without it and silently passing would publish dangling references.
    """
    parameters: dict[str, list[Any]] = {}
    for fk in table.foreign_keys:
        if fk.table not in frames:
            raise KeyError(
                f"{table.name}.{fk.column} references {fk.table}.{fk.references}, "
                f"but no {fk.table} table was given to validate it against"
            )
        parent = frames[fk.table]
        # A parent without its key column fails its own column check; every reference then dangles.
        keys = parent[fk.references].dropna().unique().tolist() if fk.references in parent else []
        parameters[foreign_key_parameter(fk)] = keys
    return parameters


@dataclass(frozen=True)
class BadExample:
    """A row that must fail exactly one expectation (``breaks``) on one column."""

    breaks: str
    column: str
    why: str
    row: dict[str, Any]


@dataclass(frozen=True)
class TableExamples:
    """Hand-written rows from ``schemas/examples/<table>.yaml``: documentation and test fixtures."""

    table: str
    good: tuple[dict[str, Any], ...]
    bad: tuple[BadExample, ...]


def load_examples(table_name: str) -> TableExamples:
    """The example rows of one table; each bad row is completed from the first good row.

    Bad rows are written as the columns that differ from the first good row, so that each one
    shows the single thing that is wrong with it.
    """
    path = resources.files(__package__) / "examples" / f"{table_name}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if raw["table"] != table_name:
        raise ValueError(f"schemas/examples/{table_name}.yaml holds examples for {raw['table']!r}")
    good = tuple(dict(row) for row in raw["good"])
    bad = tuple(
        BadExample(breaks=b["breaks"], column=b["column"], why=b.get("why", ""), row={**good[0], **b["row"]})
        for b in raw.get("bad", [])
    )
    return TableExamples(table=table_name, good=good, bad=bad)


def frame_from_rows(table: Table, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A DataFrame in the pipeline's in-memory form, built through the table's Arrow schema.

    Going through Arrow gives the same dtypes a Parquet round trip gives (tz-aware UTC
    timestamps, ``datetime.date`` dates); list cells are turned back into Python lists. Arrow
    does not enforce nullability here, so rows that break not-null rules can still be built.
    """
    unknown = {key for row in rows for key in row} - set(table.column_names)
    if unknown:
        raise KeyError(f"{table.name} has no columns {sorted(unknown)}")
    arrow = pa.Table.from_pylist([dict(row) for row in rows], schema=arrow_schema(table))
    frame = arrow.to_pandas()
    for c in table.columns:
        if c.type == "list<string>":
            frame[c.name] = [list(v) if v is not None else None for v in frame[c.name]]
    return frame

"""The table definitions are the single source of truth: check them, and that every artefact
generated from them (Arrow schema, DuckDB DDL, GX suite) describes exactly the same columns."""

from __future__ import annotations

import re
from importlib import resources

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

import schemas
from flows.validate import ephemeral_context
from schemas import COLUMN_TYPES, TABLE_ORDER, Column, ForeignKey, Table, load_tables
from schemas.expectations import build_expectations, build_suite, foreign_key_parameter, load_examples
from schemas.generate import ARROW_TYPES, DUCKDB_TYPES, arrow_schema, duckdb_ddl

TABLES = load_tables()
TABLE_NAMES = list(TABLES)


def expectations_of(table: Table) -> list[tuple[str, dict]]:
    """(expectation type, kwargs) pairs of a table's generated suite."""
    return [(e.expectation_type, e.configuration.kwargs) for e in build_suite(table).expectations]


def rule_expectations(table: Table, column: str, expectation_type: str) -> list[dict]:
    """Kwargs of the expectations of one type on one column, foreign keys left out."""
    return [
        e.configuration.kwargs
        for e in build_suite(table).expectations
        if e.expectation_type == expectation_type
        and e.configuration.kwargs.get("column") == column
        and "foreign_key_parameter" not in (e.meta or {})
    ]


# --- the definitions themselves ----------------------------------------------------------------


def test_every_table_file_defines_one_table_in_publishing_order() -> None:
    files = {p.name.removesuffix(".yaml") for p in (resources.files(schemas) / "tables").iterdir()
             if p.name.endswith(".yaml")}
    assert files == set(TABLE_ORDER)
    assert TABLE_NAMES == list(TABLE_ORDER)
    assert all(TABLES[name].name == name for name in TABLE_NAMES)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_table_and_every_column_have_a_description(name: str) -> None:
    table = TABLES[name]
    assert table.description.strip()
    undocumented = [c.name for c in table.columns if len(c.description.strip()) < 10]
    assert not undocumented, f"{name}: columns without a real description: {undocumented}"


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_column_types_are_known_types(name: str) -> None:
    unknown = {c.name: c.type for c in TABLES[name].columns if c.type not in COLUMN_TYPES}
    assert not unknown
    assert set(COLUMN_TYPES) == set(ARROW_TYPES) == set(DUCKDB_TYPES)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_column_names_are_defined_once_and_are_plain_identifiers(name: str) -> None:
    names = TABLES[name].column_names
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_primary_key_columns_exist_and_are_not_nullable(name: str) -> None:
    table = TABLES[name]
    assert table.primary_key
    for key in table.primary_key:
        assert not table.column(key).nullable, f"{name}.{key} is in the primary key but nullable"


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_foreign_keys_point_at_an_existing_key_column_of_an_earlier_table(name: str) -> None:
    table = TABLES[name]
    for fk in table.foreign_keys:
        table.column(fk.column)  # raises KeyError when the child column is missing
        assert fk.table in TABLES, f"{name}.{fk.column} references unknown table {fk.table}"
        parent = TABLES[fk.table]
        parent_column = parent.column(fk.references)
        assert parent.primary_key == (fk.references,) or parent_column.unique, (
            f"{name}.{fk.column} references {fk.table}.{fk.references}, which is not a unique key"
        )
        assert TABLE_ORDER.index(fk.table) < TABLE_ORDER.index(name), "parents are published first"
        assert table.column(fk.column).type == parent_column.type


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_partition_columns_exist(name: str) -> None:
    table = TABLES[name]
    for column in table.partition_by:
        table.column(column)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_patterns_compile_and_value_rules_fit_the_column_type(name: str) -> None:
    numeric = {"int32", "int64", "float64"}
    python_types = {"string": str, "int32": int, "int64": int, "float64": (int, float), "bool": bool}
    for c in TABLES[name].columns:
        if c.pattern is not None:
            assert c.type == "string", f"{name}.{c.name}: pattern on a {c.type} column"
            re.compile(c.pattern)
        if c.min is not None or c.max is not None:
            assert c.type in numeric, f"{name}.{c.name}: min/max on a {c.type} column"
        if c.min is not None and c.max is not None:
            assert c.min <= c.max
        if c.allowed_values is not None:
            assert c.allowed_values, f"{name}.{c.name}: empty allowed_values"
            assert len(set(c.allowed_values)) == len(c.allowed_values)
            assert all(isinstance(v, python_types[c.type]) for v in c.allowed_values), (
                f"{name}.{c.name}: allowed_values do not all have type {c.type}"
            )


# --- every generated artefact agrees with the definitions ----------------------------------------


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_arrow_schema_has_exactly_the_defined_columns_types_and_descriptions(name: str) -> None:
    table = TABLES[name]
    schema = arrow_schema(table)
    assert schema.names == table.column_names
    for c in table.columns:
        arrow = schema.field(c.name)
        assert arrow.type == ARROW_TYPES[c.type]
        assert arrow.nullable == c.nullable
        assert arrow.metadata[b"description"].decode() == c.description
    assert all(schema.field(c.name).type.tz == "UTC" for c in table.columns if c.type == "timestamp")


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_duckdb_ddl_creates_exactly_the_defined_columns_with_comments(name: str) -> None:
    table = TABLES[name]
    con = duckdb.connect()
    for statement in duckdb_ddl(table):
        con.execute(statement)
    rows = con.execute(
        "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        "WHERE table_name = ? ORDER BY column_index",
        [name],
    ).fetchall()
    assert [r[0] for r in rows] == table.column_names
    for (column_name, data_type, is_nullable, comment), c in zip(rows, table.columns, strict=True):
        assert data_type == DUCKDB_TYPES[c.type], f"{name}.{column_name}"
        assert is_nullable == (c.nullable and c.name not in table.primary_key), f"{name}.{column_name}"
        assert comment == c.description
    table_comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()
    assert table_comment == (table.description,)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_ge_suite_names_exactly_the_defined_columns_in_order(name: str) -> None:
    table = TABLES[name]
    pairs = expectations_of(table)
    ordered = [kw["column_list"] for t, kw in pairs if t == "expect_table_columns_to_match_ordered_list"]
    assert ordered == [table.column_names]
    mentioned = {kw["column"] for _, kw in pairs if "column" in kw}
    mentioned |= {col for t, kw in pairs if t != "expect_table_columns_to_match_ordered_list"
                  for col in kw.get("column_list", [])}
    assert mentioned <= set(table.column_names)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_ge_suite_has_one_expectation_per_column_rule(name: str) -> None:
    table = TABLES[name]
    single_key = table.primary_key[0] if len(table.primary_key) == 1 else None
    for c in table.columns:
        def count(expectation_type: str) -> int:
            return len(rule_expectations(table, c.name, expectation_type))

        assert count("expect_column_values_to_not_be_null") == int(not c.nullable or c.name in table.primary_key)
        assert count("expect_column_values_to_be_unique") == int(c.unique or c.name == single_key)
        in_set = rule_expectations(table, c.name, "expect_column_values_to_be_in_set")
        assert [kw["value_set"] for kw in in_set] == ([list(c.allowed_values)] if c.allowed_values else [])
        regex = rule_expectations(table, c.name, "expect_column_values_to_match_regex")
        assert [kw["regex"] for kw in regex] == ([c.pattern] if c.pattern else [])
        between = rule_expectations(table, c.name, "expect_column_values_to_be_between")
        expected = [(c.min, c.max)] if c.min is not None or c.max is not None else []
        assert [(kw.get("min_value"), kw.get("max_value")) for kw in between] == expected


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_ge_suite_checks_each_foreign_key_against_a_parameter_for_the_parent_key(name: str) -> None:
    table = TABLES[name]
    checks = [
        (e.configuration.kwargs["column"], e.configuration.kwargs["value_set"])
        for e in build_suite(table).expectations
        if "foreign_key_parameter" in (e.meta or {})
    ]
    assert checks == [(fk.column, {"$PARAMETER": foreign_key_parameter(fk)}) for fk in table.foreign_keys]


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_expectation_says_which_schema_rule_it_enforces(name: str) -> None:
    for expectation in build_suite(TABLES[name]).expectations:
        rule = (expectation.meta or {}).get("schema_rule", "")
        assert f"schemas/tables/{name}.yaml" in rule and len(rule) > 30, expectation.expectation_type


def test_compound_primary_key_gets_a_compound_uniqueness_expectation_that_ge_runs() -> None:
    table = Table(
        name="toy",
        description="A table with a two-column key.",
        primary_key=("doc_id", "sentence_index"),
        columns=(
            Column("doc_id", "string", "Document.", nullable=False),
            Column("sentence_index", "int32", "Sentence.", nullable=False),
        ),
    )
    compound = [kw for t, kw in expectations_of(table) if t == "expect_compound_columns_to_be_unique"]
    assert compound == [{"column_list": ["doc_id", "sentence_index"]}]
    assert not any(t == "expect_column_values_to_be_unique" for t, _ in expectations_of(table))

    context = ephemeral_context()
    asset = context.data_sources.add_pandas("toy").add_dataframe_asset("toy")
    batch = asset.add_batch_definition_whole_dataframe("toy").get_batch(
        batch_parameters={"dataframe": pd.DataFrame({"doc_id": ["a", "a", "b"], "sentence_index": [0, 1, 0]})}
    )
    assert batch.validate(build_suite(table)).success
    duplicated = pd.DataFrame({"doc_id": ["a", "a"], "sentence_index": [0, 0]})
    batch = asset.add_batch_definition_whole_dataframe("dup").get_batch(batch_parameters={"dataframe": duplicated})
    assert not batch.validate(build_suite(table)).success


def test_value_rules_on_list_columns_are_refused() -> None:
    table = Table(
        name="toy",
        description="A list column with a pattern, which GX cannot check element-wise.",
        primary_key=("id",),
        columns=(Column("id", "string", "ID.", nullable=False), Column("tags", "list<string>", "Tags.", pattern="^a$")),
    )
    with pytest.raises(ValueError, match="toy.tags"):
        build_expectations(table)


# --- the example rows match the definitions ------------------------------------------------------


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_example_rows_name_only_defined_columns_and_fit_the_arrow_schema(name: str) -> None:
    examples = load_examples(name)
    assert examples.good and examples.bad
    table = TABLES[name]
    for row in [*examples.good, *(b.row for b in examples.bad)]:
        assert set(row) == set(table.column_names), "every example row spells out every column"
    pa.Table.from_pylist(list(examples.good), schema=arrow_schema(table))  # raises on a type mismatch
    for bad in examples.bad:
        table.column(bad.column)
        assert bad.breaks.startswith("expect_")


def test_foreign_key_dataclass_reads_references_as_table_and_column() -> None:
    fks = TABLES["events"].foreign_keys
    assert ForeignKey(column="doc_id", table="documents", references="doc_id") in fks


def test_event_mentions_columns_mean_what_the_same_events_columns_mean() -> None:
    """event_mentions repeats a mention's own readings of events columns: same types, values and ranges."""
    events, mentions = TABLES["events"], TABLES["event_mentions"]
    assert set(mentions.column_names) - set(events.column_names) == {"mention_id", "mention_index"}
    for column in mentions.columns:
        if column.name in events.column_names:
            same = events.column(column.name)
            assert (column.type, column.allowed_values, column.min, column.max) == (
                same.type, same.allowed_values, same.min, same.max), column.name

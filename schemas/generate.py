"""Artefacts generated from the table definitions: Parquet (Arrow) schemas and DuckDB DDL.

The Great Expectations suites live in ``schemas.expectations`` and the data dictionary in
``schemas.dictionary``; all of them read the same ``schemas.Table`` objects.
"""

from __future__ import annotations

import pyarrow as pa

from schemas import Column, Table

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "list<string>": pa.list_(pa.string()),
}

DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "list<string>": "VARCHAR[]",
}


def arrow_field(column: Column) -> pa.Field:
    return pa.field(
        column.name,
        ARROW_TYPES[column.type],
        nullable=column.nullable,
        metadata={"description": column.description},
    )


def arrow_schema(table: Table) -> pa.Schema:
    """The Parquet schema of a table, with descriptions kept as field metadata."""
    return pa.schema(
        [arrow_field(c) for c in table.columns],
        metadata={"table": table.name, "description": table.description},
    )


def sql_literal(text: str) -> str:
    """Quote a description for ``COMMENT ON``, which DuckDB does not let us parameterise.

    Only descriptions from our own table definitions ever reach this function.
    """
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_create_table(table: Table) -> str:
    columns = []
    for c in table.columns:
        null = "" if c.nullable else " NOT NULL"
        columns.append(f"    {sql_identifier(c.name)} {DUCKDB_TYPES[c.type]}{null}")
    key = ", ".join(sql_identifier(k) for k in table.primary_key)
    columns.append(f"    PRIMARY KEY ({key})")
    return f"CREATE TABLE {sql_identifier(table.name)} (\n" + ",\n".join(columns) + "\n)"


def duckdb_comments(table: Table) -> list[str]:
    """``COMMENT ON`` statements for the table and every column."""
    name = sql_identifier(table.name)
    statements = [f"COMMENT ON TABLE {name} IS {sql_literal(table.description)}"]
    for c in table.columns:
        statements.append(
            f"COMMENT ON COLUMN {name}.{sql_identifier(c.name)} IS {sql_literal(c.description)}"
        )
    return statements


def duckdb_ddl(table: Table) -> list[str]:
    """Every statement that creates a table in DuckDB, comments included."""
    return [duckdb_create_table(table), *duckdb_comments(table)]

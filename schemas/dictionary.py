"""The data dictionary shipped with every release, rendered as Markdown from the table definitions.

Generated rather than hand-written so that it can never drift from the Parquet schemas, the
DuckDB comments and the Great Expectations suites, which read the same ``schemas.Table`` objects.
"""

from __future__ import annotations

from typing import Any

from schemas import SCHEMA_VERSION, Column, Table
from schemas.generate import DUCKDB_TYPES


def _cell(text: str) -> str:
    """Escape text for a GitHub-flavoured Markdown table cell (``|`` would end the cell)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(value: Any) -> str:
    return f"`{value}`"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def column_constraints(column: Column) -> str:
    """Allowed values, pattern, range and uniqueness of a column, as one human-readable cell."""
    parts: list[str] = []
    if column.allowed_values is not None:
        parts.append(", ".join(_code(v) for v in column.allowed_values))
    if column.pattern is not None:
        parts.append(f"matches {_code(column.pattern)}")
    if column.min is not None and column.max is not None:
        parts.append(f"{_number(column.min)} to {_number(column.max)}")
    elif column.min is not None:
        parts.append(f"at least {_number(column.min)}")
    elif column.max is not None:
        parts.append(f"at most {_number(column.max)}")
    if column.unique:
        parts.append("unique")
    return "; ".join(parts)


def render_table(table: Table) -> str:
    """One table's section: description, key, foreign keys, partitioning and the column table."""
    lines = [f"## {table.name}", "", table.description, ""]
    lines.append("- **Primary key:** " + ", ".join(_code(k) for k in table.primary_key))
    if table.foreign_keys:
        references = ", ".join(
            f"{_code(fk.column)} → {_code(f'{fk.table}.{fk.references}')}" for fk in table.foreign_keys
        )
    else:
        references = "none"
    lines.append(f"- **Foreign keys:** {references}")
    if table.partition_by:
        keys = ", ".join(_code(k) for k in table.partition_by)
        lines.append(f"- **Partitioned by:** {keys} (Hive-style folders, `key=value`)")
    lines += [
        "",
        "| Column | Type | Nullable | Allowed values | Description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for column in table.columns:
        name = _code(column.name) + (" (key)" if column.name in table.primary_key else "")
        column_type = f"{column.type} ({DUCKDB_TYPES[column.type]})"
        nullable = "yes" if column.nullable else "no"
        lines.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (name, column_type, nullable, column_constraints(column), column.description)
            )
            + " |"
        )
    return "\n".join(lines)


def render_markdown(tables: dict[str, Table]) -> str:
    """The whole data dictionary, tables in the given (publishing) order."""
    lines = [
        "# newsevents data dictionary",
        "",
        f"Schema version {SCHEMA_VERSION}. Generated from the project's table definitions "
        "(`schemas/tables/*.yaml`); the same descriptions are stored as Parquet field metadata "
        "and as DuckDB comments (`SELECT * FROM duckdb_columns()`).",
        "",
        "Types are given as the project's type with the DuckDB type in brackets; in Parquet, "
        "`timestamp` is microseconds in UTC, `date` is a day and `list<string>` a list of strings.",
        "",
        "## Tables",
        "",
    ]
    lines += [f"- [{name}](#{name}): {table.description}" for name, table in tables.items()]
    for table in tables.values():
        lines += ["", render_table(table)]
    return "\n".join(lines) + "\n"

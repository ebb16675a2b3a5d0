"""What changed since the previous release: the ``retractions`` table and ``CHANGES.md``.

Users of an older release need to know which rows to drop or refresh (ACLED needs a separate
endpoint for deletions; we ship them in the release). Rows are matched by primary key; a row
whose key is gone is ``removed``, one whose key remains but whose values differ is ``changed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from schemas import SCHEMA_VERSION, Table, load_tables
from schemas.generate import sql_identifier
from transforms.ids import stable_id

RETRACTIONS = "retractions"
MAX_ROWS_LISTED = 500
"""Rows listed per table and kind in CHANGES.md; the retractions table always has them all."""


def compared_tables() -> dict[str, Table]:
    """The tables whose rows can be retracted: every table but ``retractions`` itself."""
    return {name: table for name, table in load_tables().items() if name != RETRACTIONS}


def _key_expression(table: Table, alias: str) -> str:
    parts = [f"CAST({alias}.{sql_identifier(k)} AS VARCHAR)" for k in table.primary_key]
    return parts[0] if len(parts) == 1 else "concat_ws('|', " + ", ".join(parts) + ")"


def _table_retractions(
    connection: duckdb.DuckDBPyConnection, table: Table, previous: pa.Table, current: pa.Table
) -> list[tuple[str, str, list[str]]]:
    """(row_id, change, changed_columns) for one table; SQL built only from schema names."""
    common = [c for c in table.column_names if c in previous.column_names and c in current.column_names]
    connection.register("previous_rows", previous.select(common))
    connection.register("current_rows", current.select(common))
    join = " AND ".join(f"o.{sql_identifier(k)} = n.{sql_identifier(k)}" for k in table.primary_key)
    first_key = sql_identifier(table.primary_key[0])
    flags = ", ".join(
        f"CASE WHEN o.{sql_identifier(c)} IS DISTINCT FROM n.{sql_identifier(c)} THEN '{c}' END" for c in common
    )
    sql = f"""
        WITH compared AS (
            SELECT {_key_expression(table, 'o')} AS row_id,
                   n.{first_key} IS NULL AS removed,
                   list_filter([{flags}], lambda x: x IS NOT NULL) AS changed_columns
            FROM previous_rows AS o LEFT JOIN current_rows AS n ON {join}
        )
        SELECT row_id,
               CASE WHEN removed THEN 'removed' ELSE 'changed' END AS change,
               CASE WHEN removed THEN []::VARCHAR[] ELSE changed_columns END AS changed_columns
        FROM compared
        WHERE removed OR len(changed_columns) > 0
        ORDER BY row_id
    """
    try:
        return [(row_id, change, list(columns)) for row_id, change, columns in connection.execute(sql).fetchall()]
    finally:
        connection.unregister("previous_rows")
        connection.unregister("current_rows")


def compute_retractions(
    previous: Mapping[str, pa.Table | None], current: Mapping[str, pa.Table], previous_version: str | None
) -> pd.DataFrame:
    """The ``retractions`` rows: every row of ``previous`` removed or changed in ``current``.

    ``previous`` maps table name to the previous release's Arrow table (None or missing when it
    had no such table); with no previous release the result is empty.
    """
    rows: list[dict] = []
    if previous_version is not None:
        connection = duckdb.connect()
        try:
            for name, table in compared_tables().items():
                old = previous.get(name)
                if old is None or name not in current:
                    continue
                for row_id, change, columns in _table_retractions(connection, table, old, current[name]):
                    rows.append(
                        {
                            "retraction_id": stable_id("ret", name, row_id, previous_version),
                            "table_name": name,
                            "row_id": row_id,
                            "change": change,
                            "changed_columns": columns,
                            "previous_version": previous_version,
                        }
                    )
        finally:
            connection.close()
    columns = load_tables()[RETRACTIONS].column_names
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


@dataclass(frozen=True)
class TableChange:
    name: str
    previous_rows: int | None
    current_rows: int
    removed: list[str]
    changed: list[tuple[str, list[str]]]
    added_columns: list[str]
    dropped_columns: list[str]

    @property
    def added_rows(self) -> int | None:
        if self.previous_rows is None:
            return None
        return self.current_rows - (self.previous_rows - len(self.removed))


def summarise_changes(
    previous: Mapping[str, pa.Table | None], current: Mapping[str, pa.Table], retractions: pd.DataFrame
) -> list[TableChange]:
    """Per table: row counts before and after, removed and changed IDs, schema differences."""
    changes = []
    for name in compared_tables():
        old, new = previous.get(name), current[name]
        mine = retractions[retractions["table_name"] == name]
        removed = sorted(mine.loc[mine["change"] == "removed", "row_id"])
        changed = sorted(
            (row_id, list(columns))
            for row_id, columns in zip(mine.loc[mine["change"] == "changed", "row_id"],
                                       mine.loc[mine["change"] == "changed", "changed_columns"])
        )
        old_columns = old.column_names if old is not None else []
        changes.append(
            TableChange(
                name=name,
                previous_rows=old.num_rows if old is not None else None,
                current_rows=new.num_rows,
                removed=removed,
                changed=changed,
                added_columns=[c for c in new.column_names if old is not None and c not in old_columns],
                dropped_columns=[c for c in old_columns if c not in new.column_names],
            )
        )
    return changes


def render_changes(
    *, version: str, previous_version: str | None, previous_schema: str | None, changes: list[TableChange]
) -> str:
    """CHANGES.md: counts per table, then every removed and changed row (up to a cap)."""
    lines = [f"# Changes in newsevents release {version}", ""]
    if previous_version is None:
        lines += ["First release: there is no previous release to compare with.", ""]
        lines += ["| Table | Rows |", "| --- | ---: |"]
        lines += [f"| `{c.name}` | {c.current_rows} |" for c in changes]
        return "\n".join(lines) + "\n"
    lines += [
        f"Compared with release `{previous_version}` (schema {previous_schema or 'unknown'} → "
        f"{SCHEMA_VERSION}). Rows are matched by primary key. Every removed or changed row is also "
        f"in the `{RETRACTIONS}` table of this release.",
        "",
        "| Table | Rows before | Rows now | Added | Removed | Changed |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in changes:
        before = "–" if c.previous_rows is None else str(c.previous_rows)
        added = "–" if c.added_rows is None else str(c.added_rows)
        lines.append(f"| `{c.name}` | {before} | {c.current_rows} | {added} | {len(c.removed)} | {len(c.changed)} |")
    schema_notes = [
        f"- `{c.name}`: " + "; ".join(
            part for part in (
                f"added columns {', '.join(f'`{x}`' for x in c.added_columns)}" if c.added_columns else "",
                f"dropped columns {', '.join(f'`{x}`' for x in c.dropped_columns)}" if c.dropped_columns else "",
            ) if part
        )
        for c in changes if c.added_columns or c.dropped_columns
    ]
    if schema_notes:
        lines += ["", "## Schema changes", "", *schema_notes]
    for c in changes:
        if not (c.removed or c.changed):
            continue
        lines += ["", f"## `{c.name}`", ""]
        if c.removed:
            lines += [f"Removed ({len(c.removed)}):", ""]
            lines += [f"- `{row_id}`" for row_id in c.removed[:MAX_ROWS_LISTED]]
            if len(c.removed) > MAX_ROWS_LISTED:
                lines.append(f"- … and {len(c.removed) - MAX_ROWS_LISTED} more (see `{RETRACTIONS}`)")
            lines.append("")
        if c.changed:
            lines += [f"Changed ({len(c.changed)}):", ""]
            lines += [
                f"- `{row_id}`: {', '.join(f'`{column}`' for column in columns)}"
                for row_id, columns in c.changed[:MAX_ROWS_LISTED]
            ]
            if len(c.changed) > MAX_ROWS_LISTED:
                lines.append(f"- … and {len(c.changed) - MAX_ROWS_LISTED} more (see `{RETRACTIONS}`)")
            lines.append("")
    if not any(c.removed or c.changed for c in changes):
        lines += ["", "No rows were removed or changed."]
    return "\n".join(lines).rstrip("\n") + "\n"

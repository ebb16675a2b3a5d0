"""Queries on releases: reads work, every kind of write or escape is refused and changes nothing."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.publish import DUCKDB_FILE, publish_release
from flows.query import QueryError, connect_read_only, run_query
from flows.settings import Settings
from flows.workspace import Workspace
from tests.table_samples import sample_tables

FIRST, SECOND = "2024.04.03", "2024.04.03.1"


def publish(workspace: Workspace, version: str, tables: dict[str, pd.DataFrame]) -> None:
    publish_release(
        workspace,
        tables,
        version=version,
        created_at=datetime(2024, 4, 3, 12, tzinfo=timezone.utc),
        code_version="test-code",
        sources=["seeds"],
        validation={"success": True},
        settings=Settings(),
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Two releases: the first without the quarantine row, so the two are told apart."""
    workspace = Workspace(tmp_path_factory.mktemp("data")).ensure()
    tables = sample_tables()
    tables["quarantine"] = tables["quarantine"].iloc[0:0]
    publish(workspace, FIRST, tables)
    publish(workspace, SECOND, sample_tables())
    return workspace


def duckdb_sha256(workspace: Workspace, version: str) -> str:
    return hashlib.sha256((workspace.release_dir(version) / DUCKDB_FILE).read_bytes()).hexdigest()


def test_select_on_latest_and_on_named_version(workspace: Workspace) -> None:
    assert workspace.latest_version() == SECOND
    latest = run_query("SELECT count(*) AS n FROM quarantine", workspace=workspace)
    assert latest["n"].tolist() == [1]
    first = run_query("SELECT count(*) AS n FROM quarantine", workspace=workspace, release=FIRST)
    assert first["n"].tolist() == [0]


def test_parameters_and_views(workspace: Workspace) -> None:
    result = run_query(
        "SELECT event_type, source_actor_name, document_published_at FROM events_with_actors "
        "WHERE trigger = ? AND confidence >= ?",
        workspace=workspace,
        params=["shelled", 0.5],
    )
    assert result[["event_type", "source_actor_name"]].values.tolist() == [["ASSAULT", "Russia"]]
    assert result["document_published_at"].iloc[0] == pd.Timestamp("2024-03-16T08:30:00Z")
    assert str(result["document_published_at"].dt.tz) == "UTC"


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM events",
        "INSERT INTO quarantine SELECT * FROM quarantine",
        "UPDATE documents SET title = 'changed'",
        "CREATE TABLE mine AS SELECT * FROM events",
        "DROP TABLE events",
        "COPY events TO '{tmp}/out.csv'",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "SELECT 1; DELETE FROM events",
        "INSTALL httpfs",
        "SET enable_external_access = true",
        "EXPLAIN ANALYZE DELETE FROM events",
        "EXPLAIN ANALYZE COPY events TO '{tmp}/out.csv'",
        "PRAGMA enable_profiling",
    ],
)
def test_writes_are_refused_and_change_nothing(workspace: Workspace, tmp_path: Path, statement: str) -> None:
    before = duckdb_sha256(workspace, SECOND)
    with pytest.raises(QueryError, match="read-only"):
        run_query(statement.format(tmp=tmp_path), workspace=workspace)
    assert duckdb_sha256(workspace, SECOND) == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM events",
        "CREATE TABLE mine (a INTEGER)",
        "DROP VIEW events_with_actors",
        "COPY events TO '{tmp}/out.parquet'",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "INSTALL httpfs",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
    ],
)
def test_duckdb_itself_refuses_without_the_statement_check(
    workspace: Workspace, tmp_path: Path, statement: str
) -> None:
    """The statement-type check is for clear messages; the connection settings are the barrier."""
    before = duckdb_sha256(workspace, SECOND)
    connection = connect_read_only(workspace.release_dir(SECOND) / DUCKDB_FILE)
    try:
        with pytest.raises(duckdb.Error):
            connection.execute(statement.format(tmp=tmp_path))
    finally:
        connection.close()
    assert duckdb_sha256(workspace, SECOND) == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
    ],
)
def test_reading_other_files_is_refused(workspace: Workspace, statement: str) -> None:
    with pytest.raises(QueryError, match="read-only"):
        run_query(statement, workspace=workspace)


def test_bad_sql_gives_query_error(workspace: Workspace) -> None:
    with pytest.raises(QueryError, match="no_such_table"):
        run_query("SELECT * FROM no_such_table", workspace=workspace)


def test_unknown_release_lists_available_versions(workspace: Workspace) -> None:
    with pytest.raises(QueryError, match="newsevents run") as error:
        run_query("SELECT 1", workspace=workspace, release="2020.01.01")
    assert FIRST in str(error.value) and SECOND in str(error.value)
    with pytest.raises(QueryError, match="no release '../..'"):
        run_query("SELECT 1", workspace=workspace, release="../..")


def test_no_release_yet_says_to_run_the_pipeline(tmp_path: Path) -> None:
    empty = Workspace(tmp_path / "data").ensure()
    with pytest.raises(QueryError, match="newsevents run") as error:
        run_query("SELECT 1", workspace=empty)
    assert "none yet" in str(error.value)


def test_python_entry_point_connects_read_only(workspace: Workspace) -> None:
    import newsevents

    connection = newsevents.connect(release=FIRST, data_dir=workspace.root)
    try:
        assert connection.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
        with pytest.raises(duckdb.Error):
            connection.execute("DELETE FROM events")
    finally:
        connection.close()
    by_folder = newsevents.connect(source=str(workspace.releases_dir))
    try:
        assert by_folder.execute("SELECT count(*) FROM quarantine").fetchone() == (1,)
    finally:
        by_folder.close()


def test_describe_shows_a_description_for_every_column(workspace: Workspace) -> None:
    import json

    from typer.testing import CliRunner

    from flows.cli import app
    from schemas import load_tables

    result = CliRunner().invoke(app, ["describe", "--data-dir", str(workspace.root), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    columns = [r for r in rows if "column_name" in r]
    tables = [r for r in rows if "column_name" not in r]
    assert {r["table_name"] for r in tables} == set(load_tables()) | {"events_with_actors", "statements_with_speakers"}
    assert all(r["description"] for r in rows)
    assert {(r["table_name"], r["column_name"]) for r in columns} >= {
        (name, column) for name, table in load_tables().items() for column in table.column_names
    }
    unknown = CliRunner().invoke(app, ["describe", "no_such_table", "--data-dir", str(workspace.root)])
    assert unknown.exit_code == 2 and "no table or view" in unknown.output


def test_cli_query_reads_sql_from_a_file(workspace: Workspace, tmp_path: Path) -> None:
    """Example queries start with `--` comments, which a shell argument would turn into an option."""
    from typer.testing import CliRunner

    from flows.cli import app

    sql = tmp_path / "count.sql"
    sql.write_text("-- How many events?\nSELECT count(*) AS n FROM events;\n")
    result = CliRunner().invoke(app, ["query", "--data-dir", str(workspace.root), "--file", str(sql), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["n", "4"]

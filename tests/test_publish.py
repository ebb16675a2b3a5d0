"""Releases: version naming, layout, manifest, DuckDB contents, immutability, atomicity, determinism."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.publish import (
    DUCKDB_FILE,
    MANIFEST_FILE,
    ReleaseExistsError,
    list_release_versions,
    next_release_version,
    publish_release,
)
from flows.settings import Settings
from flows.workspace import Workspace
from schemas import load_tables
from schemas.generate import arrow_schema
from tests.table_samples import sample_tables

CREATED_AT = datetime(2024, 4, 3, 12, 0, tzinfo=timezone.utc)
VALIDATION = {
    "success": True,
    "failures": [],
    "results": {
        "events": {
            "success": True,
            "statistics": {"evaluated_expectations": 12, "successful_expectations": 12},
        }
    },
}
"""Shaped like flows.validate.ValidationReport.to_json()."""


def publish(workspace: Workspace, version: str, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    return publish_release(
        workspace,
        tables if tables is not None else sample_tables(),
        version=version,
        created_at=CREATED_AT,
        code_version="test-code",
        sources=["seeds"],
        validation=VALIDATION,
        settings=Settings(release_licence="CC-BY-4.0"),
    )


def same_schema(read: pa.Schema, expected: pa.Schema) -> bool:
    """Schemas equal in names, types, nullability and descriptions.

    Parquet names list items "element" where Arrow says "item"; the types still compare equal.
    """

    def fields(schema: pa.Schema) -> list[tuple]:
        return [(f.name, f.type, f.nullable, f.metadata) for f in schema]

    return fields(read) == fields(expected) and read.metadata == expected.metadata


def tree_snapshot(root: Path) -> dict[str, str]:
    """Every file under root (hidden ones included) with its sha256."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "data").ensure()


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One published release shared by the read-only checks below."""
    workspace = Workspace(tmp_path_factory.mktemp("data")).ensure()
    return publish(workspace, "2024.04.03")


def test_version_naming_adds_same_day_numbers(workspace: Workspace) -> None:
    today = date(2024, 4, 3)
    assert next_release_version(workspace, today) == "2024.04.03"
    publish(workspace, next_release_version(workspace, today))
    assert next_release_version(workspace, today) == "2024.04.03.1"
    publish(workspace, next_release_version(workspace, today))
    assert next_release_version(workspace, today) == "2024.04.03.2"
    assert next_release_version(workspace, date(2024, 4, 4)) == "2024.04.04"
    assert list_release_versions(workspace) == ["2024.04.03", "2024.04.03.1"]
    assert workspace.latest_version() == "2024.04.03.1"


def test_release_layout_and_partitioned_events(release: Path) -> None:
    tables = load_tables()
    samples = sample_tables()
    for name in ("documents", "actors", "actor_mentions", "statements", "quarantine"):
        parquet = pq.ParquetFile(release / f"{name}.parquet")
        assert same_schema(parquet.schema_arrow, arrow_schema(tables[name]))
        assert parquet.metadata.num_rows == len(samples[name])
        column = parquet.metadata.row_group(0).column(0)
        assert column.compression == "ZSTD"
        assert column.is_stats_set
    for name in ("validation.json", "DATA_DICTIONARY.md", "README.md", MANIFEST_FILE, DUCKDB_FILE):
        assert (release / name).is_file()
    assert json.loads((release / "validation.json").read_text()) == VALIDATION
    readme = (release / "README.md").read_text()
    assert "`events`: passed (12 of 12 checks)" in readme
    assert "2024-03-15 to 2024-04-02" in readme  # events' event_date coverage

    event_files = sorted(p.relative_to(release).as_posix() for p in (release / "events").rglob("*.parquet"))
    assert event_files == [
        "events/year=2024/month=3/part-0.parquet",
        "events/year=2024/month=4/part-0.parquet",
        "events/year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/part-0.parquet",
    ]
    rows = duckdb.connect().execute(
        "SELECT year, month, count(*) FROM read_parquet(?, hive_partitioning = true) "
        "GROUP BY ALL ORDER BY ALL NULLS LAST",
        [str(release / "events/*/*/*.parquet")],
    ).fetchall()
    assert rows == [(2024, 3, 2), (2024, 4, 1), (None, None, 1)]
    march = pq.read_table(release / "events/year=2024/month=3/part-0.parquet")
    assert same_schema(march.schema, arrow_schema(tables["events"]))
    assert march["event_id"].to_pylist() == sorted(march["event_id"].to_pylist())


def test_manifest_lists_every_file_with_matching_checksum(release: Path) -> None:
    manifest = json.loads((release / MANIFEST_FILE).read_text())
    assert manifest["version"] == "2024.04.03"
    assert manifest["created_at"] == CREATED_AT.isoformat()
    assert manifest["code_version"] == "test-code"
    assert manifest["sources"] == ["seeds"]
    assert manifest["row_counts"] == {name: len(frame) for name, frame in sample_tables().items()}
    paths = [entry["path"] for entry in manifest["files"]]
    assert paths == sorted(paths)
    on_disk = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    assert set(paths) == on_disk - {MANIFEST_FILE}
    for entry in manifest["files"]:
        data = (release / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]


def test_duckdb_has_every_table_commented_and_views_work(release: Path) -> None:
    tables = load_tables()
    with duckdb.connect(str(release / DUCKDB_FILE), read_only=True) as connection:
        table_comments = dict(
            connection.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall()
        )
        assert set(table_comments) == set(tables)
        assert all(table_comments.values())
        for name, table in tables.items():
            columns = dict(
                connection.execute(
                    "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?", [name]
                ).fetchall()
            )
            assert list(columns) == table.column_names
            assert all(columns.values()), f"{name} has a column without a comment"
            count = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            assert count == len(sample_tables()[name])

        view_comments = dict(
            connection.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall()
        )
        assert set(view_comments) == {"events_with_actors", "statements_with_speakers"}
        assert all(view_comments.values())

        shelling = connection.execute(
            "SELECT source_actor_name, source_actor_type, target_actor_name, document_title, "
            "document_published_at FROM events_with_actors WHERE trigger = ?",
            ["shelled"],
        ).fetchone()
        assert shelling[:4] == ("Russia", "state", "Ukraine", "Kharkiv shelled")
        assert shelling[4] == datetime(2024, 3, 16, 8, 30, tzinfo=timezone.utc)
        assert connection.execute("SELECT count(*) FROM events_with_actors").fetchone()[0] == 4

        speakers = connection.execute(
            "SELECT speaker_name, speaker_type, speaker_country_iso3, document_title "
            "FROM statements_with_speakers ORDER BY statement_id"
        ).fetchall()
        assert sorted(speakers, key=str) == sorted(
            [
                ("Jens Stoltenberg", "person", "NOR", "NATO pledges support"),
                (None, None, None, "Kharkiv shelled"),
            ],
            key=str,
        )


def test_publishing_an_existing_version_fails_and_changes_nothing(workspace: Workspace) -> None:
    publish(workspace, "2024.04.03")
    publish(workspace, "2024.04.03.1")
    before = tree_snapshot(workspace.releases_dir)
    with pytest.raises(ReleaseExistsError, match="immutable"):
        publish(workspace, "2024.04.03")
    assert tree_snapshot(workspace.releases_dir) == before
    assert workspace.latest_version() == "2024.04.03.1"


def test_failure_mid_build_leaves_no_release_and_latest_unchanged(workspace: Workspace) -> None:
    publish(workspace, "2024.04.03")
    before = tree_snapshot(workspace.releases_dir)
    tables = sample_tables()
    # quarantine is written last, after the other tables' Parquet files already exist in staging
    tables["quarantine"]["quarantined_at"] = ["not a timestamp"]
    with pytest.raises(ValueError, match="quarantine"):
        publish(workspace, "2024.04.03.1", tables)
    assert not workspace.release_dir("2024.04.03.1").exists()
    assert tree_snapshot(workspace.releases_dir) == before
    assert sorted(p.name for p in workspace.releases_dir.iterdir()) == ["2024.04.03", "latest"]
    assert workspace.latest_version() == "2024.04.03"


def test_nulls_in_required_column_are_refused(workspace: Workspace) -> None:
    tables = sample_tables()
    tables["actors"].loc[0, "name"] = None
    with pytest.raises(ValueError, match="actors.*name.*(non-nullable|null values)"):
        publish(workspace, "2024.04.03", tables)
    assert list_release_versions(workspace) == []
    assert workspace.latest_version() is None


def test_same_tables_give_byte_identical_files(workspace: Workspace) -> None:
    first = publish(workspace, "2024.04.03")
    shuffled = {name: frame.iloc[::-1].reset_index(drop=True) for name, frame in sample_tables().items()}
    second = publish(workspace, "2024.04.03.1", shuffled)
    first_files, second_files = tree_snapshot(first), tree_snapshot(second)
    parquet = [path for path in first_files if path.endswith(".parquet")]
    assert len(parquet) == 8
    for path in parquet + ["validation.json", "DATA_DICTIONARY.md"]:
        assert first_files[path] == second_files[path], path
    readme_first = (first / "README.md").read_text()
    readme_second = (second / "README.md").read_text()
    assert readme_second.replace("2024.04.03.1", "2024.04.03") == readme_first


def test_empty_tables_still_publish(workspace: Workspace) -> None:
    """A run that found nothing is still a valid release; the events glob still matches a file."""
    empty = {name: frame.iloc[0:0] for name, frame in sample_tables().items()}
    release = publish(workspace, "2024.04.03", empty)
    count = duckdb.connect().execute(
        "SELECT count(*) FROM read_parquet(?, hive_partitioning = true)",
        [str(release / "events/*/*/*.parquet")],
    ).fetchone()[0]
    assert count == 0
    manifest = json.loads((release / MANIFEST_FILE).read_text())
    assert set(manifest["row_counts"].values()) == {0}
    assert "no dated rows" in (release / "README.md").read_text()

"""Releases: version naming, layout, manifest, DuckDB contents, immutability, atomicity, determinism."""

from __future__ import annotations

import hashlib
import json
import shutil
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
    ROWS_HASHES_KEY,
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
    for name in ("documents", "actors", "actor_mentions", "event_mentions", "statements", "quarantine"):
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
    assert sorted(p.name for p in workspace.releases_dir.iterdir()) == [
        "2024.04.03", "catalog.json", "index.html", "latest"
    ]
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
    assert len(parquet) == len(load_tables()) + 2  # events has three partition files
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


# -- crash safety, retractions and CHANGES.md, datapackage, example queries, comments --------------

CRASH_AT_RENAME = """
import os, sys
from datetime import datetime, timezone
from pathlib import Path
sys.path.insert(0, {root!r})
from flows.publish import publish_release
from flows.settings import Settings
from flows.workspace import Workspace
from tests.table_samples import sample_tables

def crash(*args, **kwargs):
    os._exit(9)  # the process dies here: no exception handler, no cleanup runs

os.rename = crash  # the moment the built release would become visible
publish_release(Workspace(Path({data!r})), sample_tables(), version="2024.04.03.1",
                created_at=datetime(2024, 4, 3, 12, tzinfo=timezone.utc), code_version="test-code",
                sources=["seeds"], validation={{"success": True}}, settings=Settings())
"""


def test_crash_mid_publish_leaves_latest_and_catalog_unchanged(workspace: Workspace) -> None:
    """A publisher killed after building everything, just before the rename, shows nothing."""
    import subprocess
    import sys

    publish(workspace, "2024.04.03")
    visible = lambda: sorted(p.name for p in workspace.releases_dir.iterdir() if not p.name.startswith("."))  # noqa: E731
    before = {name: (workspace.releases_dir / name).read_bytes() for name in ("latest", "catalog.json", "index.html")}
    script = CRASH_AT_RENAME.format(root=str(Path(__file__).resolve().parent.parent), data=str(workspace.root))
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert finished.returncode == 9, finished.stderr
    staging = [p for p in workspace.releases_dir.iterdir() if p.name.startswith(".building-")]
    assert len(staging) == 1 and (staging[0] / MANIFEST_FILE).is_file()  # it had built it all
    assert visible() == ["2024.04.03", "catalog.json", "index.html", "latest"]
    assert {name: (workspace.releases_dir / name).read_bytes() for name in before} == before
    assert list_release_versions(workspace) == ["2024.04.03"]
    assert json.loads((workspace.releases_dir / "catalog.json").read_text())["latest"] == "2024.04.03"
    # The leftover hidden folder does not block the version: publishing it again works.
    publish(workspace, "2024.04.03.1")
    assert workspace.latest_version() == "2024.04.03.1"
    assert [r["version"] for r in json.loads((workspace.releases_dir / "catalog.json").read_text())["releases"]] == [
        "2024.04.03.1", "2024.04.03"
    ]


def second_release_tables() -> tuple[dict[str, pd.DataFrame], set[tuple[str, str, str, tuple[str, ...]]]]:
    """The samples with one event removed, one actor and one statement changed, one event added;
    and the retractions that must follow (left for the publisher to compute)."""
    tables = sample_tables()
    del tables["retractions"]
    events = tables["events"]
    removed_event = events.loc[1, "event_id"]
    added = events.iloc[[0]].copy()
    added["event_id"] = "evt_00000000000000aa"
    tables["events"] = pd.concat([events.drop(index=1), added], ignore_index=True)
    actors = tables["actors"]
    nato = actors.index[actors["actor_id"] == "international_org:NATO"][0]
    actors.at[nato, "aliases"] = ["NATO", "the Alliance"]
    statements = tables["statements"]
    statements.loc[0, "quote_text"] = "We will support Ukraine"
    statements.loc[0, "confidence"] = 0.9
    expected = {
        ("events", removed_event, "removed", ()),
        ("actors", "international_org:NATO", "changed", ("aliases",)),
        ("statements", statements.loc[0, "statement_id"], "changed", ("quote_text", "confidence")),
    }
    return tables, expected


def test_second_release_lists_exactly_the_rows_removed_or_changed(workspace: Workspace) -> None:
    first = publish(workspace, "2024.04.03")
    assert pq.read_table(first / "retractions.parquet").num_rows == 0
    assert "First release" in (first / "CHANGES.md").read_text()
    tables, expected = second_release_tables()
    second = publish(workspace, "2024.04.03.1", tables)

    with duckdb.connect(str(second / DUCKDB_FILE), read_only=True) as connection:
        rows = connection.execute(
            "SELECT table_name, row_id, change, changed_columns, previous_version FROM retractions"
        ).fetchall()
    assert {(t, r, c, tuple(cols)) for t, r, c, cols, _ in rows} == expected
    assert len(rows) == len(expected)
    assert {previous for *_, previous in rows} == {"2024.04.03"}

    changes = (second / "CHANGES.md").read_text()
    assert "Compared with release `2024.04.03`" in changes
    listed = {line.split("`")[1] for line in changes.splitlines() if line.startswith("- `")}
    assert listed == {row_id for _, row_id, _, _ in expected}
    assert "| `events` | 4 | 4 | 1 | 1 | 0 |" in changes
    assert "| `actors` | 4 | 4 | 0 | 0 | 1 |" in changes
    assert f"- `{[r for t, r, _, _ in expected if t == 'statements'][0]}`: `quote_text`, `confidence`" in changes
    manifest = json.loads((second / MANIFEST_FILE).read_text())
    assert manifest["previous_version"] == "2024.04.03"

    # A third release with the same tables as the second retracts nothing.
    third = publish(workspace, "2024.04.03.2", second_release_tables()[0])
    assert pq.read_table(third / "retractions.parquet").num_rows == 0
    assert "No rows were removed or changed." in (third / "CHANGES.md").read_text()


def test_given_retractions_must_agree_with_the_previous_release(workspace: Workspace) -> None:
    publish(workspace, "2024.04.03")
    tables, _ = second_release_tables()
    tables["retractions"] = sample_tables()["retractions"]  # empty: wrong now
    with pytest.raises(ValueError, match="retractions.*differ"):
        publish(workspace, "2024.04.03.1", tables)
    assert list_release_versions(workspace) == ["2024.04.03"]


def test_datapackage_validates_with_frictionless(release: Path) -> None:
    from frictionless import validate

    package = json.loads((release / "datapackage.json").read_text())
    assert package["version"] == "2024.04.03"
    parquet = {p.relative_to(release).as_posix() for p in release.rglob("*.parquet")}
    assert {r["path"] for r in package["resources"]} == parquet
    assert {r["table"] for r in package["resources"]} == set(load_tables())
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            assert field["description"], (resource["name"], field["name"])
    report = validate(release / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "type", "note"])[:10]


def test_every_example_query_runs_on_the_release(release: Path) -> None:
    from flows.publish import load_example_queries

    queries = load_example_queries()
    assert len(queries) >= 3
    shipped = {p.name: p.read_text() for p in (release / "queries").glob("*.sql")}
    assert shipped == queries
    readme = (release / "README.md").read_text()
    with duckdb.connect(str(release / DUCKDB_FILE), read_only=True) as connection:
        results = {name: connection.execute(sql).fetchall() for name, sql in queries.items()}
    for name, sql in queries.items():
        assert name in readme and sql.strip().splitlines()[0] in readme
    weekly = results["events_per_week_by_type_and_country.sql"]
    assert [(str(week), kind, country, n) for week, kind, country, n, _ in weekly] == [
        ("2024-03-11", "ASSAULT", "UKR", 1)
    ]
    speakers = results["top_speakers_on_a_topic.sql"]
    assert [row[:4] for row in speakers] == [("Jens Stoltenberg", "person", "NOR", 1)]
    reported = results["most_reported_events.sql"]
    # The samples' four events are each their own cluster, each reported by one sentence.
    assert sorted((row[1], row[7], row[8], row[9]) for row in reported) == [
        ("ACCUSE", 1, 1, 1), ("ASSAULT", 1, 1, 1), ("CONSULT", 1, 1, 1), ("SUPPORT", 1, 1, 1)]


def test_a_failing_example_query_blocks_the_release(release: Path) -> None:
    from flows.publish import ExampleQueryFailed, check_example_queries

    with pytest.raises(ExampleQueryFailed, match="broken.sql"):
        check_example_queries(release / DUCKDB_FILE, {"broken.sql": "SELECT no_such_column FROM events"})


def test_every_column_of_every_table_and_view_has_a_comment(release: Path) -> None:
    with duckdb.connect(str(release / DUCKDB_FILE), read_only=True) as connection:
        missing = connection.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE comment IS NULL AND NOT internal"
        ).fetchall()
        described = connection.execute(
            "SELECT count(DISTINCT table_name) FROM duckdb_columns() WHERE NOT internal"
        ).fetchone()[0]
    assert missing == []
    assert described == len(load_tables()) + 2  # every table and both views


def test_data_docs_are_shipped_without_unused_assets(tmp_path: Path) -> None:
    from flows.validate import validate_tables, write_data_docs

    report = validate_tables(sample_tables())
    docs = write_data_docs(report, tmp_path / "docs").parent
    workspace = Workspace(tmp_path / "data").ensure()
    release = Path(
        publish_release(
            workspace, sample_tables(), version="2024.04.03", created_at=CREATED_AT, code_version="test-code",
            sources=["seeds"], validation=report.to_json(), settings=Settings(), data_docs_dir=docs,
        )
    )
    shipped = [p for p in (release / "validation").rglob("*") if p.is_file()]
    assert (release / "validation" / "index.html").is_file()
    assert any("validations" in p.parts for p in shipped)
    assert sum(p.stat().st_size for p in shipped) < 2_000_000  # GX's site is 4.6 MB with its GIFs
    assert "validation/index.html" in (release / "README.md").read_text()


def test_publishing_to_an_fsspec_url(tmp_path: Path) -> None:
    """A non-local fsspec target (memory://): files uploaded, manifest last, catalog and latest."""
    import fsspec

    from flows.store import ReleaseStore

    workspace = Workspace(tmp_path / "data").ensure()
    target = f"memory://releases-{tmp_path.name}"
    publish_release(
        workspace, sample_tables(), version="2024.04.03", created_at=CREATED_AT, code_version="test-code",
        sources=["seeds"], validation=VALIDATION, settings=Settings(), target=target,
    )
    with pytest.raises(ReleaseExistsError):
        publish_release(
            workspace, sample_tables(), version="2024.04.03", created_at=CREATED_AT, code_version="test-code",
            sources=["seeds"], validation=VALIDATION, settings=Settings(), target=target,
        )
    store = ReleaseStore.open(target)
    assert store.versions() == ["2024.04.03"] and store.latest_version() == "2024.04.03"
    manifest = store.manifest("2024.04.03")
    for entry in manifest["files"]:
        assert hashlib.sha256(store.read_bytes("2024.04.03", entry["path"])).hexdigest() == entry["sha256"]
    assert json.loads(store.read_text("catalog.json"))["latest"] == "2024.04.03"
    assert list_release_versions(workspace) == []  # nothing was published locally
    fsspec.filesystem("memory").rm(store.root, recursive=True)


# -- reusing unchanged Parquet files of the previous release ---------------------------------------

APRIL = "events/year=2024/month=4/part-0.parquet"


def one_partition_changed() -> dict[str, pd.DataFrame]:
    """The samples with the confidence of the one April event changed: one events partition (and
    the retractions, which now list that event) differ from the first release."""
    tables = sample_tables()
    del tables["retractions"]
    events = tables["events"]
    events.loc[events["month"] == 4, "confidence"] = 0.65
    return tables


def parquet_paths(release: Path) -> list[str]:
    return sorted(p.relative_to(release).as_posix() for p in release.rglob("*.parquet"))


def test_a_second_release_rewrites_only_the_changed_partition(workspace: Workspace) -> None:
    first = publish(workspace, "2024.04.03")
    second = publish(workspace, "2024.04.03.1", one_partition_changed())
    assert parquet_paths(first) == parquet_paths(second)
    rewritten = {p for p in parquet_paths(second) if (second / p).stat().st_ino != (first / p).stat().st_ino}
    assert rewritten == {APRIL, "retractions.parquet"}
    for path in set(parquet_paths(second)) - rewritten:  # hard links: one file, two names
        assert (second / path).stat().st_nlink == 2
        assert (second / path).read_bytes() == (first / path).read_bytes()
    first_sums = {e["path"]: e["sha256"] for e in json.loads((first / MANIFEST_FILE).read_text())["files"]}
    second_sums = {e["path"]: e["sha256"] for e in json.loads((second / MANIFEST_FILE).read_text())["files"]}
    assert {p for p in parquet_paths(second) if first_sums[p] != second_sums[p]} == rewritten


def test_a_release_built_with_reuse_is_byte_identical_to_a_full_rewrite(workspace: Workspace, tmp_path: Path) -> None:
    """The same second release published next to a copy of the first release from before rows
    hashes were recorded (so nothing can be reused): every file is the same, and so is the
    manifest but for the DuckDB file, which DuckDB does not write byte for byte the same twice."""
    first = publish(workspace, "2024.04.03")
    reused = publish(workspace, "2024.04.03.1", one_partition_changed())

    rewrite_space = Workspace(tmp_path / "rewrite").ensure()
    old_style = rewrite_space.release_dir("2024.04.03")
    shutil.copytree(first, old_style)
    manifest = json.loads((old_style / MANIFEST_FILE).read_text())
    del manifest[ROWS_HASHES_KEY]
    (old_style / MANIFEST_FILE).chmod(0o644)
    (old_style / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    rewritten = publish(rewrite_space, "2024.04.03.1", one_partition_changed())

    assert not any(
        (rewritten / p).stat().st_ino == (old_style / p).stat().st_ino for p in parquet_paths(rewritten)
    )
    with_reuse, without = tree_snapshot(reused), tree_snapshot(rewritten)
    assert set(with_reuse) == set(without)
    for path in set(with_reuse) - {DUCKDB_FILE, MANIFEST_FILE}:
        assert with_reuse[path] == without[path], path

    def manifest_without_duckdb(release: Path) -> dict:
        manifest = json.loads((release / MANIFEST_FILE).read_text())
        manifest["files"] = [e for e in manifest["files"] if e["path"] != DUCKDB_FILE]
        return manifest

    assert manifest_without_duckdb(reused) == manifest_without_duckdb(rewritten)
    query = "SELECT event_id, confidence FROM events ORDER BY event_id"
    with duckdb.connect(str(reused / DUCKDB_FILE), read_only=True) as a, \
            duckdb.connect(str(rewritten / DUCKDB_FILE), read_only=True) as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_a_release_that_reuses_files_stays_whole_when_the_previous_one_is_deleted(workspace: Workspace) -> None:
    first = publish(workspace, "2024.04.03")
    second = publish(workspace, "2024.04.03.1", one_partition_changed())
    for path in sorted(first.rglob("*"), reverse=True):
        path.chmod(0o755) if path.is_dir() else path.unlink()
    shutil.rmtree(first)
    manifest = json.loads((second / MANIFEST_FILE).read_text())
    for entry in manifest["files"]:
        assert hashlib.sha256((second / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert pq.read_table(second / APRIL)["confidence"].to_pylist() == [0.65]


def test_a_damaged_file_of_the_previous_release_is_written_again_not_reused(workspace: Workspace) -> None:
    first = publish(workspace, "2024.04.03")
    march = "events/year=2024/month=3/part-0.parquet"
    recorded = {e["path"]: e["sha256"] for e in json.loads((first / MANIFEST_FILE).read_text())["files"]}
    (first / march).chmod(0o644)
    pq.write_table(pq.read_table(first / march).slice(0, 1), first / march)  # readable, but not what was published
    second = publish(workspace, "2024.04.03.1", one_partition_changed())
    assert (second / march).stat().st_ino != (first / march).stat().st_ino
    assert hashlib.sha256((second / march).read_bytes()).hexdigest() == recorded[march]


def test_publishing_to_an_fsspec_url_copies_unchanged_files_within_the_target(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    import fsspec

    from flows.store import ReleaseStore

    workspace = Workspace(tmp_path / "data").ensure()
    target = f"memory://reuse-{tmp_path.name}"
    options = dict(created_at=CREATED_AT, code_version="test-code", sources=["seeds"], validation=VALIDATION,
                   settings=Settings(), target=target)
    publish_release(workspace, sample_tables(), version="2024.04.03", **options)
    with caplog.at_level(logging.INFO, logger="flows.publish"):
        publish_release(workspace, one_partition_changed(), version="2024.04.03.1", **options)
    parquet_files = len(parquet_paths(publish(Workspace(tmp_path / "local").ensure(), "2024.04.03")))
    assert f"{parquet_files - 2} Parquet files reused from release 2024.04.03, 2 written" in caplog.text
    store = ReleaseStore.open(target)
    manifest = store.manifest("2024.04.03.1")
    for entry in manifest["files"]:
        assert hashlib.sha256(store.read_bytes("2024.04.03.1", entry["path"])).hexdigest() == entry["sha256"]
    assert pq.read_table(pa.BufferReader(store.read_bytes("2024.04.03.1", APRIL)))["confidence"].to_pylist() == [0.65]
    fsspec.filesystem("memory").rm(store.root, recursive=True)

"""Releases over the network: queried in place over HTTP, published to and read from S3.

A real HTTP server on 127.0.0.1 serves ``data/releases/``; DuckDB reads the Parquet files in
place (by byte ranges) and never fetches the ``.duckdb`` file. A moto S3 server on 127.0.0.1
stands in for an S3-compatible object store.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.publish import load_example_queries, publish_release
from flows.query import QueryError, RemoteQueryUnavailable, connect_remote, run_query
from flows.settings import Settings
from flows.workspace import Workspace
from tests.range_http import serve_directory
from tests.table_samples import sample_tables

FIRST, SECOND = "2024.04.03", "2024.04.04"
CREATED_AT = datetime(2024, 4, 4, 12, tzinfo=timezone.utc)


def publish(workspace: Workspace, version: str, tables: dict[str, pd.DataFrame], **kwargs) -> str:
    return str(publish_release(
        workspace, tables, version=version, created_at=CREATED_AT, code_version="test-code",
        sources=["seeds"], validation={"success": True}, settings=Settings(), **kwargs,
    ))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    workspace = Workspace(tmp_path_factory.mktemp("data")).ensure()
    first = sample_tables()
    first["quarantine"] = first["quarantine"].iloc[0:0]
    publish(workspace, FIRST, first)
    second = sample_tables()
    del second["retractions"]
    publish(workspace, SECOND, second)
    return workspace


def test_query_a_served_release_in_place(workspace: Workspace) -> None:
    with serve_directory(workspace.releases_dir) as (url, log):
        for name, sql in load_example_queries().items():
            remote = run_query(sql, source=url)
            local = run_query(sql, workspace=workspace)
            assert remote.equals(local) or remote.astype(str).equals(local.astype(str)), name
        older = run_query("SELECT count(*) AS n FROM quarantine", source=url, release=FIRST)
        newer = run_query("SELECT count(*) AS n FROM quarantine", source=url)
        joined = run_query(
            "SELECT source_actor_name FROM events_with_actors WHERE trigger = ?", source=url, params=["shelled"]
        )
    assert older["n"].tolist() == [0] and newer["n"].tolist() == [1]
    assert joined["source_actor_name"].tolist() == ["Russia"]
    requested = {path for _, path, _ in log.requests}
    assert f"/{SECOND}/newsevents.duckdb" not in requested  # read in place, not downloaded
    assert any(header and header.startswith("bytes=") for _, _, header in log.requests)


def test_every_column_has_a_description_when_queried_in_place(workspace: Workspace) -> None:
    with serve_directory(workspace.releases_dir) as (url, _):
        connection = connect_remote(url)
        try:
            missing = connection.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE comment IS NULL AND NOT internal"
            ).fetchall()
            tables = connection.execute("SELECT count(DISTINCT table_name) FROM duckdb_columns() WHERE NOT internal").fetchone()
        finally:
            connection.close()
        described = CliRunner().invoke(app, ["describe", "events", "--from", url, "--format", "json"])
    assert missing == []
    assert tables[0] >= 9
    rows = [json.loads(line) for line in described.output.splitlines() if line.strip()]
    assert described.exit_code == 0, described.output
    assert {r["column_name"] for r in rows} >= {"event_id", "event_type", "year", "month"}
    assert all(r["description"] for r in rows)


def test_cli_query_from_url_and_refusals(workspace: Workspace) -> None:
    with serve_directory(workspace.releases_dir) as (url, _):
        result = CliRunner().invoke(app, ["query", "--from", url, "--format", "csv", "SELECT count(*) AS n FROM events"])
        refused = CliRunner().invoke(app, ["query", "--from", url, "COPY events TO 'x.csv'"])
        with pytest.raises(QueryError, match="not a release version"):
            run_query("SELECT 1", source=url, release="../x")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["n", "4"]
    assert refused.exit_code == 2 and "read-only" in refused.output


def _httpfs_loads() -> bool:
    connection = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        connection.execute("LOAD httpfs")
        return True
    except duckdb.Error:
        return False
    finally:
        connection.close()


def test_without_httpfs_the_message_says_how_to_get_it_or_download(workspace: Workspace) -> None:
    if _httpfs_loads():
        pytest.skip("DuckDB's httpfs extension is installed here, so the message cannot show")
    with serve_directory(workspace.releases_dir) as (url, _):
        with pytest.raises(RemoteQueryUnavailable) as error:
            connect_remote(url, via="httpfs")
    message = str(error.value)
    assert "httpfs" in message and "duckdb-extension-httpfs" in message
    assert f"newsevents download {SECOND} --from {url} --to DIR" in message


@pytest.fixture(scope="module")
def s3_server():
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def test_publish_to_s3_and_read_it_back(s3_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import s3fs

    from flows.download import download_release
    from flows.store import ReleaseStore

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    options = {"client_kwargs": {"endpoint_url": s3_server}, "anon": False}
    s3fs.S3FileSystem(**options).mkdir("releases-bucket")
    target = "s3://releases-bucket/newsevents"
    local = Workspace(tmp_path / "data").ensure()
    location = publish(local, FIRST, sample_tables(), target=target, storage_options=options)
    assert location == f"{target}/{FIRST}"
    second = sample_tables()
    del second["retractions"]
    second["events"] = second["events"].iloc[1:]
    publish(local, SECOND, second, target=target, storage_options=options)

    store = ReleaseStore.open(target, options)
    assert store.versions() == [FIRST, SECOND] and store.latest_version() == SECOND
    catalog = json.loads(store.read_text("catalog.json"))
    assert [r["version"] for r in catalog["releases"]] == [SECOND, FIRST]
    assert store.read_table(SECOND, "retractions").to_pylist()[0]["change"] == "removed"
    assert not local.releases_dir.exists() or not any(local.releases_dir.iterdir())

    copy = download_release("latest", target, tmp_path / "copy", storage_options=options)
    assert copy.version == SECOND
    with duckdb.connect(str(tmp_path / "copy" / SECOND / "newsevents.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    in_place = run_query("SELECT count(*) AS n FROM events", source=target, storage_options=options)
    assert in_place["n"].tolist() == [3]

"""Run analysts' SQL against a published release, which must never change.

The release's ``newsevents.duckdb`` is opened read-only with external access disabled and the
configuration locked, so DuckDB itself refuses writes, ``COPY ... TO``, ``ATTACH``, ``INSTALL``
and reading or listing arbitrary files, and no query can switch those protections off. A check of
the statement types before running gives a clear message for the common cases; DuckDB's own
refusals are the real barrier.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from flows.publish import (
    CONVENIENCE_VIEWS,
    DATAPACKAGE_FILE,
    DUCKDB_FILE,
    is_release_version,
    list_release_versions,
)
from flows.store import MANIFEST_FILE, table_files
from flows.workspace import Workspace
from schemas.generate import sql_identifier, sql_literal

READ_ONLY_CONFIG: dict[str, str | bool] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
    "lock_configuration": True,
}
"""Connection settings for queries; ``lock_configuration`` stops a query from undoing the others."""

ALLOWED_STATEMENTS = frozenset(
    {
        duckdb.StatementType.SELECT,  # also DESCRIBE, SHOW, SUMMARIZE, FROM ..., VALUES, TABLE
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,
        duckdb.StatementType.CALL,
    }
)

READ_ONLY_ADVICE = (
    "Releases are read-only: they are immutable so that every analysis can cite exactly the data "
    "it used. To change or save data, copy it into a database of your own, e.g. in `duckdb "
    "my.duckdb`: ATTACH '<release>/newsevents.duckdb' AS rel (READ_ONLY); CREATE TABLE my_events "
    "AS SELECT * FROM rel.events; or read the release's Parquet files directly."
)


class QueryError(RuntimeError):
    """A query could not run against a release (unknown release, refused statement, bad SQL)."""


class RemoteQueryUnavailable(QueryError):
    """A release cannot be queried in place here (no httpfs, no fsspec support for the URL)."""


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a release database so that DuckDB itself refuses writes and access to other files."""
    return duckdb.connect(str(path), read_only=True, config=dict(READ_ONLY_CONFIG))


def _no_release_message(workspace: Workspace, wanted: str) -> str:
    versions = list_release_versions(workspace)
    available = ", ".join(versions) if versions else "none yet"
    return (
        f"{wanted} in {workspace.releases_dir}. Run `newsevents run` first to build and publish a "
        f"release. Available versions: {available}."
    )


def resolve_release(workspace: Workspace, release: str = "latest") -> str:
    """The version ``release`` names (``latest`` is read from the workspace), checked to exist."""
    if release == "latest":
        version = workspace.latest_version()
        if version is None:
            raise QueryError(_no_release_message(workspace, "No release has been published yet"))
    else:
        version = release
    if not is_release_version(version) or not (workspace.release_dir(version) / DUCKDB_FILE).is_file():
        raise QueryError(_no_release_message(workspace, f"There is no release {version!r}"))
    return version


def _check_statement_types(sql: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise QueryError(f"Could not parse the query: {error}") from error
    if not statements:
        raise QueryError("The query is empty.")
    for statement in statements:
        if statement.type not in ALLOWED_STATEMENTS:
            kind = statement.type.name
            raise QueryError(f"{kind} statements are not allowed. {READ_ONLY_ADVICE}")


def _is_refusal(error: duckdb.Error) -> bool:
    message = str(error)
    return isinstance(error, duckdb.PermissionException) or any(
        marker in message
        for marker in ("read-only mode", "configuration has been locked", "disabled by configuration")
    )


# --------------------------------------------------------------------------------------------
# Querying a published release in place (HTTP or any fsspec URL), without downloading it


def _httpfs_loaded(connection: duckdb.DuckDBPyConnection) -> str | None:
    """Load DuckDB's httpfs from the local extension folder (never from the network); None if it loaded."""
    try:
        connection.execute("LOAD httpfs")
        return None
    except duckdb.Error as error:
        return str(error).strip().splitlines()[0]


def _fsspec_filesystem(url: str, storage_options: Mapping[str, Any] | None) -> Any:
    """An fsspec filesystem for ``url`` that DuckDB can read through (``register_filesystem``)."""
    import fsspec

    if url.startswith(("http://", "https://")):
        if find_spec("aiohttp") is None:
            raise ImportError("fsspec's HTTP filesystem needs aiohttp")
        from fsspec.implementations.http import HTTPFileSystem

        class ReleaseHTTPFileSystem(HTTPFileSystem):
            """fsspec's HTTP filesystem plus the modification time DuckDB asks for (releases never change)."""

            def modified(self, path: str) -> datetime:
                return datetime(1970, 1, 1)

        return ReleaseHTTPFileSystem(**dict(storage_options or {}))
    filesystem, _ = fsspec.core.url_to_fs(url, **dict(storage_options or {}))
    return filesystem


def _unavailable_message(url: str, version: str | None, reason: str) -> str:
    wanted = version or "latest"
    return (
        f"Cannot query {url} in place: {reason}. DuckDB reads releases over HTTP with its httpfs "
        f"extension (duckdb {duckdb.__version__}); offline it comes from the PyPI package "
        f"`duckdb-extension-httpfs` built for the same DuckDB version, or with network from "
        f"`INSTALL httpfs`. Alternatively download the release and query it locally: "
        f"`newsevents download {wanted} --from {url} --to DIR`, then "
        f"`duckdb -readonly DIR/{wanted if version else '<version>'}/{DUCKDB_FILE}`."
    )


def _read_remote(url: str, relative: str, storage_options: Mapping[str, Any] | None) -> bytes:
    from flows.download import DownloadError, Source

    try:
        return Source(url, storage_options).read(relative)
    except DownloadError as error:
        raise QueryError(str(error)) from error


def connect_remote(
    url: str,
    release: str = "latest",
    *,
    storage_options: Mapping[str, Any] | None = None,
    via: str = "auto",
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection whose views read a published release's Parquet files in place.

    ``url`` is the releases folder (``https://…/releases``, ``s3://bucket/releases``). Each table
    becomes a view over its Parquet files (DuckDB fetches only the byte ranges a query needs),
    with the release's column descriptions as comments, plus the convenience views. ``via``:
    ``httpfs`` (DuckDB's extension, must already be installed), ``fsspec`` (DuckDB reads through
    an fsspec filesystem) or ``auto`` (httpfs when it loads, else fsspec). Raises
    RemoteQueryUnavailable, saying how to get httpfs or download the release, when neither works.
    """
    url = url.rstrip("/")
    version = _read_remote(url, "latest", storage_options).decode().strip() if release == "latest" else release
    if not is_release_version(version):
        raise QueryError(f"{version!r} is not a release version (YYYY.MM.DD or YYYY.MM.DD.N)")
    manifest = json.loads(_read_remote(url, f"{version}/{MANIFEST_FILE}", storage_options))
    package = json.loads(_read_remote(url, f"{version}/{DATAPACKAGE_FILE}", storage_options))

    connection = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    is_http = url.startswith(("http://", "https://"))
    reason = _httpfs_loaded(connection) if is_http and via in ("auto", "httpfs") else "not tried"
    if reason is not None:
        if via == "httpfs":
            connection.close()
            raise RemoteQueryUnavailable(_unavailable_message(url, version, f"httpfs is not available ({reason})"))
        try:
            connection.register_filesystem(_fsspec_filesystem(url, storage_options))
        except (ImportError, ValueError) as error:
            connection.close()
            raise RemoteQueryUnavailable(
                _unavailable_message(url, version, f"httpfs is not available ({reason}) and fsspec cannot read it ({error})")
            ) from error
    base = f"{url}/{version}"
    descriptions: dict[str, tuple[str, dict[str, str]]] = {}
    for resource in package.get("resources", []):
        fields = {f["name"]: f.get("description", "") for f in resource.get("schema", {}).get("fields", [])}
        descriptions.setdefault(resource.get("table", resource["name"]), (resource.get("description", ""), fields))
    for table in manifest.get("row_counts", {}):
        files = [f"{base}/{relative}" for relative in table_files(manifest, table)]
        if not files:
            continue
        connection.read_parquet(files, hive_partitioning=False).create_view(table)
        table_description, fields = descriptions.get(table, ("", {}))
        name = sql_identifier(table)
        # DDL takes no parameters; these are descriptions from the release's own datapackage.json.
        connection.execute(f"COMMENT ON VIEW {name} IS {sql_literal(table_description or table)}")
        for column, description in fields.items():
            connection.execute(f"COMMENT ON COLUMN {name}.{sql_identifier(column)} IS {sql_literal(description or column)}")
    for view in CONVENIENCE_VIEWS:
        connection.execute(f"CREATE VIEW {sql_identifier(view.name)} AS {view.select_sql.strip()}")
        connection.execute(f"COMMENT ON VIEW {sql_identifier(view.name)} IS {sql_literal(view.description)}")
        base_fields = descriptions.get(view.base_table, ("", {}))[1]
        for column, description in [*base_fields.items(), *view.added_columns]:
            connection.execute(
                f"COMMENT ON COLUMN {sql_identifier(view.name)}.{sql_identifier(column)} IS {sql_literal(description)}"
            )
    connection.execute("SET lock_configuration = true")
    return connection


def connect(
    release: str = "latest",
    *,
    source: str | None = None,
    data_dir: Path | str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to a release: local (read-only ``newsevents.duckdb``) or, with
    ``source`` (a releases folder URL), queried in place over HTTP or fsspec.

    Example: ``newsevents.connect(release="latest", source="https://example.org/releases")``.
    """
    if source is not None and "://" in str(source) and not str(source).startswith("file://"):
        return connect_remote(str(source), release, storage_options=storage_options)
    if source is not None:
        releases_dir = Path(str(source).removeprefix("file://"))
        version = (releases_dir / "latest").read_text(encoding="utf-8").strip() if release == "latest" else release
        path = releases_dir / version / DUCKDB_FILE
        if not is_release_version(version) or not path.is_file():
            raise QueryError(f"There is no release {version!r} in {releases_dir}")
        return connect_read_only(path)
    from flows.settings import get_settings

    workspace = Workspace(Path(get_settings(data_dir=data_dir).data_dir))
    version = resolve_release(workspace, release)
    return connect_read_only(workspace.release_dir(version) / DUCKDB_FILE)


def run_query(
    sql: str,
    *,
    workspace: Workspace | None = None,
    release: str = "latest",
    params: list | dict | None = None,
    source: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Run ``sql`` (with ``?``/``$1`` ``params``; never format values into it) on a release.

    The release is the workspace's, or with ``source`` one published at that URL, read in place.
    Only reading statements run (SELECT, DESCRIBE, SUMMARIZE, EXPLAIN, ...); with several
    statements the result of the last is returned. Timestamps come back in UTC.
    """
    _check_statement_types(sql)
    if source is not None:
        connection = connect_remote(source, release, storage_options=storage_options)
        version = release
    else:
        if workspace is None:
            raise ValueError("run_query needs a workspace or a source URL")
        version = resolve_release(workspace, release)
        path = workspace.release_dir(version) / DUCKDB_FILE
        try:
            connection = connect_read_only(path)
        except duckdb.Error as error:
            raise QueryError(f"Could not open release {version} ({path}): {error}") from error
    try:
        cursor = connection.execute(sql, params) if params is not None else connection.execute(sql)
        if cursor.description is None:
            return pd.DataFrame()
        result = cursor.df()
    except duckdb.Error as error:
        detail = str(error).strip().rstrip("!.")
        if _is_refusal(error):
            raise QueryError(f"Refused on release {version}: {detail}. {READ_ONLY_ADVICE}") from error
        raise QueryError(f"Query failed on release {version}: {detail}") from error
    finally:
        connection.close()
    for column in result.columns:
        if isinstance(result[column].dtype, pd.DatetimeTZDtype):
            result[column] = result[column].dt.tz_convert("UTC")
    return result

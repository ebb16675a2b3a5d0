"""Run analysts' SQL against a published release, which must never change.

The release's ``newsevents.duckdb`` is opened read-only with external access disabled and the
configuration locked, so DuckDB itself refuses writes, ``COPY ... TO``, ``ATTACH``, ``INSTALL``
and reading or listing arbitrary files, and no query can switch those protections off. A check of
the statement types before running gives a clear message for the common cases; DuckDB's own
refusals are the real barrier.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from flows.publish import DUCKDB_FILE, is_release_version, list_release_versions
from flows.workspace import Workspace

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


def run_query(
    sql: str,
    *,
    workspace: Workspace,
    release: str = "latest",
    params: list | None = None,
) -> pd.DataFrame:
    """Run ``sql`` (with ``?``/``$1`` ``params``; never format values into it) on a release.

    Only reading statements run (SELECT, DESCRIBE, SUMMARIZE, EXPLAIN, ...); with several
    statements the result of the last is returned. Timestamps come back in UTC.
    """
    version = resolve_release(workspace, release)
    _check_statement_types(sql)
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

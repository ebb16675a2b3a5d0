"""The ``newsevents`` command line: run the nightly flow, query a release, extract files."""

from __future__ import annotations

import json
from datetime import datetime
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table as RichTable

app = typer.Typer(no_args_is_help=True, add_completion=False, help="News text in, a validated event dataset out.")
console = Console()

from flows.evaluate import evaluate_app  # noqa: E402

app.add_typer(evaluate_app, name="evaluate")
errors = Console(stderr=True)

EXAMPLE_QUERY = (
    "SELECT speaker_text, medium, left(quote_text, 60) AS quote FROM statements "
    "WHERE speaker_actor_id IS NOT NULL ORDER BY char_start"
)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def run(
    source: Optional[list[str]] = typer.Option(None, "--source", help="Folder, file, URL or WARC to read (repeatable); KIND=LOCATION picks the kind "
                                                "(feed=URL, urls=FILE, warc=PATH_OR_URL, folder=PATH). Default: the sources file (sources.toml)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Workspace folder. Default: ./data"),
    release_version: Optional[str] = typer.Option(None, "--release-version", help="Version to publish (default YYYY.MM.DD[.N])."),
    runner: str = typer.Option("local", "--runner", help="local; process to spread the NLP work over this machine's cores (Prefect's process pool); dask for a Dask cluster."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address", help="tcp://host:port of a Dask scheduler; without it, a LocalCluster."),
) -> None:
    """Run one nightly job: ingest -> normalise -> validate -> publish."""
    from flows.lock import RunInProgress
    from flows.nightly import ValidationFailed, run_nightly
    from flows.publish import ReleaseExistsError

    try:
        summary = run_nightly(
            runner=runner,
            dask_address=dask_address,
            sources=source or None,
            data_dir=str(data_dir) if data_dir else None,
            release_version=release_version,
        )
    except ValidationFailed as failure:
        errors.print(f"[red]Validation failed[/red]: {failure}")
        raise typer.Exit(code=2)
    except RunInProgress as busy:
        errors.print(f"[yellow]Not started[/yellow]: {busy}")
        raise typer.Exit(code=3)
    except TimeoutError as error:  # a stage ran past NEWSEVENTS_TASK_TIMEOUT_SECONDS
        errors.print(f"[red]A stage timed out[/red]: {error} Nothing was published and `latest` is unchanged; "
                     "find what hung (a source, the disk) or raise NEWSEVENTS_TASK_TIMEOUT_SECONDS.")
        raise typer.Exit(code=2)
    except (ReleaseExistsError, FileNotFoundError, ValueError, RuntimeError) as error:
        errors.print(f"[red]Error[/red]: {error}")
        raise typer.Exit(code=2)
    console.print(f"[green]Published release {summary.release_version}[/green] at {summary.release_dir}")
    console.print(
        f"documents read {summary.documents_read}, new {summary.new_documents}, "
        f"already ingested {summary.already_ingested}, quarantined {summary.quarantined}"
    )
    counts = RichTable("table", "rows")
    for name, count in summary.row_counts.items():
        counts.add_row(name, str(count))
    console.print(counts)
    data_flag = f" --data-dir {data_dir}" if data_dir else ""
    console.print("Try:")
    console.print(f"  newsevents query \"{EXAMPLE_QUERY}\"{data_flag}", soft_wrap=True, highlight=False)


@app.command()
def backfill(
    from_day: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD)."),
    to_day: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="Last day, included."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Workspace folder. Default: ./data"),
    runner: str = typer.Option("local", "--runner", help="local, process or dask."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address"),
) -> None:
    """Run the nightly job once per day over the date-partitioned sources ({date:...} in their location)."""
    from flows.lock import RunInProgress
    from flows.nightly import ValidationFailed, backfill as run_backfill

    try:
        summaries = run_backfill(from_day.date(), to_day.date(), runner=runner, dask_address=dask_address,
                                 data_dir=str(data_dir) if data_dir else None)
    except (ValidationFailed, RunInProgress, FileNotFoundError, ValueError, TimeoutError) as error:
        errors.print(f"[red]Backfill stopped[/red]: {error}")
        raise typer.Exit(code=2)
    for summary in summaries:
        console.print(f"release {summary.release_version}: {summary.new_documents} new documents, "
                      f"{summary.quarantined} quarantined")


@app.command()
def serve(
    cron: str = typer.Option("0 2 * * *", "--cron", help="When to run (cron, in --timezone)."),
    timezone: str = typer.Option("UTC", "--timezone"),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Workspace folder. Default: ./data"),
) -> None:
    """Serve the nightly deployment: a long-lived scheduler process against the configured Prefect API."""
    from prefect.schedules import Cron

    from flows.nightly import nightly

    nightly.serve(
        name="nightly",
        schedules=[Cron(cron, timezone=timezone)],
        parameters={"data_dir": str(data_dir) if data_dir else None},
        global_limit=1,
        tags=["newsevents", "nightly"],
        description="Ingest the configured sources, extract, validate and publish a release.",
    )


@app.command()
def query(
    sql: Optional[str] = typer.Argument(None, help="SQL to run (read-only)."),
    sql_file: Optional[Path] = typer.Option(
        None, "--file", "-f", help="Read the SQL from a file instead, e.g. queries/top_speakers_on_a_topic.sql."
    ),
    release: str = typer.Option("latest", "--release", help="Release version or 'latest'."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Workspace folder. Default: ./data"),
    source_url: Optional[str] = typer.Option(
        None, "--from", help="Query a published releases folder in place (https://…, s3://…) instead of the local one."
    ),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, csv or json."),
) -> None:
    """Run read-only SQL against a release (local, or in place with --from URL)."""
    from flows.query import QueryError, run_query
    from flows.settings import get_settings
    from flows.workspace import Workspace

    if (sql is None) == (sql_file is None):
        errors.print("[red]Error[/red]: give the SQL as an argument or with --file, not both")
        raise typer.Exit(code=2)
    if sql_file is not None:
        sql = sql_file.read_text(encoding="utf-8")
    workspace = Workspace(Path(get_settings(data_dir=data_dir).data_dir))
    try:
        frame = run_query(sql, workspace=workspace, release=release, source=source_url)
    except QueryError as error:
        errors.print(f"[red]Query refused[/red]: {error}")
        raise typer.Exit(code=2)
    _print_frame(frame, output)


DESCRIBE_SQL = (
    "SELECT c.table_name, c.column_name, c.data_type, c.comment AS description "
    "FROM duckdb_columns() AS c WHERE NOT c.internal AND c.schema_name = 'main' "
    "AND (CAST($table AS VARCHAR) IS NULL OR c.table_name = $table) ORDER BY c.table_name, c.column_index"
)
DESCRIBE_TABLES_SQL = (
    "SELECT table_name, comment AS description FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main' "
    "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY 1"
)


@app.command()
def describe(
    table: Optional[str] = typer.Argument(None, help="Table or view to describe; all of them when left out."),
    release: str = typer.Option("latest", "--release", help="Release version or 'latest'."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Workspace folder. Default: ./data"),
    source_url: Optional[str] = typer.Option(None, "--from", help="A published releases folder URL."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, csv or json."),
) -> None:
    """What every table, view and column of a release means (from the release's own comments)."""
    from flows.query import QueryError, run_query
    from flows.settings import get_settings
    from flows.workspace import Workspace

    workspace = Workspace(Path(get_settings(data_dir=data_dir).data_dir))
    try:
        if table is None:
            _print_frame(run_query(DESCRIBE_TABLES_SQL, workspace=workspace, release=release, source=source_url), output)
        frame = run_query(DESCRIBE_SQL, workspace=workspace, release=release, source=source_url, params={"table": table})
    except QueryError as error:
        errors.print(f"[red]Error[/red]: {error}")
        raise typer.Exit(code=2)
    if frame.empty:
        errors.print(f"[red]Error[/red]: no table or view {table!r} in the release; `newsevents describe` lists them")
        raise typer.Exit(code=2)
    _print_frame(frame, output)


@app.command()
def download(
    release: str = typer.Argument("latest", help="Release version (YYYY.MM.DD[.N]) or 'latest'."),
    source_url: str = typer.Option(..., "--from", help="URL of the releases folder (https://…, s3://…, file://…)."),
    destination: Path = typer.Option(..., "--to", help="Folder to download into (the release goes to DIR/<version>/)."),
) -> None:
    """Download a release and verify every file's SHA-256 against its manifest; resumes if interrupted."""
    from flows.download import DownloadError, download_release

    try:
        result = download_release(release, source_url, destination)
    except DownloadError as error:
        errors.print(f"[red]Download failed[/red]: {error}")
        raise typer.Exit(code=2)
    console.print(
        f"[green]Release {result.version}[/green] verified at {result.folder}: {result.files} files, "
        f"{result.bytes} bytes (resumed {len(result.resumed)}, already present {len(result.skipped)})",
        soft_wrap=True,
    )


def _print_frame(frame, output: OutputFormat) -> None:
    if output is OutputFormat.csv:
        frame.to_csv(sys.stdout, index=False)
    elif output is OutputFormat.json:
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", force_ascii=False, lines=True))
        sys.stdout.write("\n")
    else:
        table = RichTable(*[str(c) for c in frame.columns], show_lines=False)
        for row in frame.itertuples(index=False):
            table.add_row(*["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in row])
        console.print(table)
        console.print(f"{len(frame)} rows")


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Files (.txt, .html, .json) to run the normalise stage on."),
    output: str = typer.Option("jsonl", "--format", help="Only jsonl for now."),
) -> None:
    """Run the normalise stage on files, without a flow or a release; print one JSON object per document."""
    from flows.normalise import extract_rows
    from flows.settings import get_settings
    from transforms.documents import Payload, RejectedInput, parse_payload

    if output != "jsonl":
        errors.print("[red]Error[/red]: only --format jsonl is supported")
        raise typer.Exit(code=2)
    settings = get_settings()
    for path in paths:
        try:
            document = parse_payload(Payload(path.parent.name, str(path), path.read_bytes()), settings.max_document_bytes)
        except RejectedInput as rejection:
            errors.print(f"[yellow]{path}[/yellow]: not extracted ({rejection.reason}: {rejection.detail})")
            continue
        except OSError as error:
            errors.print(f"[red]{path}[/red]: {error}")
            raise typer.Exit(code=2)
        rows = extract_rows([document], settings)
        record = {
            "document": {
                "doc_id": document.doc_id, "source": document.source, "source_uri": document.source_uri,
                "url": document.url, "title": document.title, "author": document.author,
                "published_at": document.published_at.isoformat() if document.published_at else None,
                "language": document.language, "word_count": document.word_count,
                "text_sha256": document.text_sha256,
            },
            "text": document.text,
            **rows,
        }
        sys.stdout.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    app()

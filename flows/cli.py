"""The ``newsevents`` command line: run the nightly flow, query a release, extract files."""

from __future__ import annotations

import json
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
    source: Optional[list[str]] = typer.Option(None, "--source", help="Folder, file or URL to read (repeatable). Default: seeds/."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Workspace folder. Default: ./data"),
    release_version: Optional[str] = typer.Option(None, "--release-version", help="Version to publish (default YYYY.MM.DD[.N])."),
) -> None:
    """Run one nightly job: ingest -> normalise -> validate -> publish."""
    from flows.nightly import ValidationFailed, nightly
    from flows.publish import ReleaseExistsError

    try:
        summary = nightly(
            sources=source or None,
            data_dir=str(data_dir) if data_dir else None,
            release_version=release_version,
        )
    except ValidationFailed as failure:
        errors.print(f"[red]Validation failed[/red]: {failure}")
        raise typer.Exit(code=2)
    except (ReleaseExistsError, FileNotFoundError, ValueError) as error:
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
def query(
    sql: str = typer.Argument(..., help="SQL to run (read-only)."),
    release: str = typer.Option("latest", "--release", help="Release version or 'latest'."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Workspace folder. Default: ./data"),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, csv or json."),
) -> None:
    """Run read-only SQL against a release's DuckDB database."""
    from flows.query import QueryError, run_query
    from flows.settings import get_settings
    from flows.workspace import Workspace

    workspace = Workspace(Path(get_settings(data_dir=data_dir).data_dir))
    try:
        frame = run_query(sql, workspace=workspace, release=release)
    except QueryError as error:
        errors.print(f"[red]Query refused[/red]: {error}")
        raise typer.Exit(code=2)
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

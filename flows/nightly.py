"""The nightly flow: ingest -> normalise -> assemble -> validate -> publish.

Runs on Prefect's ephemeral local API by default (no server to start); ``prefect.yaml``
deploys it with a nightly schedule against a real Prefect server.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows.assemble import assemble_tables
from flows.clock import utc_now
from flows.ingest import ingest_sources
from flows.normalise import batch_id_for, normalise_documents
from flows.publish import next_release_version, publish_release
from flows.settings import Settings, get_settings
from flows.validate import ValidationReport, validate_tables
from flows.workspace import Workspace


class ValidationFailed(RuntimeError):
    """A table broke its Great Expectations suite; nothing was published."""


@dataclass
class RunSummary:
    release_version: str
    release_dir: str
    documents_read: int
    new_documents: int
    already_ingested: int
    quarantined: int
    row_counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def code_version() -> str:
    try:
        return package_version("newsevents")
    except PackageNotFoundError:
        return "0+unknown"


@task(task_run_name="validate")
def validate(tables: dict[str, pd.DataFrame]) -> ValidationReport:
    report = validate_tables(tables)
    logger = get_run_logger()
    if report.success:
        logger.info("all tables passed their expectation suites")
    else:
        for line in report.failures:
            logger.error("validation failed: %s", line)
    return report


@task(retries=2, retry_delay_seconds=[5, 30], task_run_name="publish {version}")
def publish(tables: dict[str, pd.DataFrame], version: str, report: ValidationReport, sources: list[str],
            workspace: Workspace, settings: Settings) -> Path:
    return publish_release(
        workspace, tables, version=version, created_at=utc_now(), code_version=code_version(),
        sources=sources, validation=report.to_json(), settings=settings,
    )


@flow(name="nightly", log_prints=True)
def nightly(
    sources: list[str] | None = None,
    data_dir: str | None = None,
    release_version: str | None = None,
) -> RunSummary:
    """One nightly run over the given sources (default: the configured ones)."""
    settings = get_settings(data_dir=data_dir)
    sources = [str(s) for s in (sources or settings.sources)]
    workspace = Workspace(Path(settings.data_dir)).ensure()
    started_at = utc_now()

    ingested = ingest_sources(sources, workspace, settings)
    batch_id = batch_id_for([d.doc_id for d in ingested.documents] + [q["quarantine_id"] for q in ingested.quarantine], started_at)
    normalise_documents(ingested.documents, ingested.quarantine, batch_id, started_at, workspace, settings)
    tables = assemble_tables(workspace)
    report = validate(tables)
    if not report.success:
        raise ValidationFailed(
            "the release was not published and `latest` still names the previous release; "
            "failed expectations:\n  " + "\n  ".join(report.failures)
        )
    version = release_version or next_release_version(workspace, started_at.date())
    release_dir = publish(tables, version, report, sources, workspace, settings)
    summary = RunSummary(
        release_version=version,
        release_dir=str(release_dir),
        documents_read=ingested.payloads_read,
        new_documents=len(ingested.documents),
        already_ingested=ingested.already_ingested,
        quarantined=len(ingested.quarantine),
        row_counts={name: len(frame) for name, frame in tables.items()},
    )
    create_markdown_artifact(
        key="nightly-summary",
        markdown="# newsevents nightly run\n\n```json\n" + json.dumps(summary.to_json(), indent=2) + "\n```\n",
        description=f"release {version}",
    )
    return summary

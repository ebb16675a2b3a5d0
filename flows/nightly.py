"""The nightly flow: ingest -> normalise -> assemble -> validate -> publish.

Runs on Prefect's ephemeral local API by default (no server to start); ``prefect.yaml``
deploys it with a nightly schedule against a real Prefect server.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version as package_version
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from prefect import Task, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.assemble import assemble_tables
from flows.clock import utc_now
from flows.evaluate.accuracy import GoldSet, accuracy_card, load_gold_sets
from flows.ingest import ingest_sources
from flows.lock import workspace_lock
from flows.normalise import (
    batch_id_for,
    chunked,
    merge_frames,
    normalise_chunk,
    use_extraction_helper,
    stage_batch,
    stale_documents,
)
from flows.changes import RETRACTIONS
from flows.resources import extractor_version
from flows.publish import next_release_version, open_target, publish_release, retractions_against_previous
from flows.settings import Settings, get_settings
from flows.sources import Source, configured_sources, for_day
from flows.validate import ValidationReport, validate_tables, write_data_docs
from flows.workspace import Workspace
from transforms.documents import CleanDocument


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
    duplicates: int = 0
    recoded_documents: int = 0
    validation_success: bool = True
    row_counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def code_version() -> str:
    try:
        return package_version("newsevents")
    except PackageNotFoundError:
        return "0+unknown"


@task(task_run_name="validate", cache_policy=NO_CACHE)  # no cache key: it would pickle every table
def validate(tables: dict[str, pd.DataFrame]) -> ValidationReport:
    report = validate_tables(tables)
    logger = get_run_logger()
    if report.success:
        logger.info("all tables passed their expectation suites")
    else:
        for line in report.failures:
            logger.error("validation failed: %s", line)
    return report


@task(task_run_name="measure accuracy")
def measure_accuracy(gold_sets: list[GoldSet], workspace: Workspace, settings: Settings) -> dict | None:
    """The accuracy card of the extractor coding this run, on the configured gold sets (cached per version)."""
    if not gold_sets:
        return None
    logger = get_run_logger()
    return accuracy_card(gold_sets, extractor_version(settings.spacy_model), workspace.evaluation_cache_dir,
                         progress=logger.info)


@task(retries=2, retry_delay_seconds=[5, 30], task_run_name="publish {version}", cache_policy=NO_CACHE)
def publish(tables: dict[str, pd.DataFrame], version: str, report: ValidationReport, sources: list[str],
            workspace: Workspace, settings: Settings, evaluation: dict | None = None) -> Path | str:
    with tempfile.TemporaryDirectory(prefix="newsevents-data-docs-") as docs:
        data_docs = write_data_docs(report, Path(docs)).parent if settings.release_data_docs else None
        return publish_release(
            workspace, tables, version=version, created_at=utc_now(), code_version=code_version(),
            sources=sources, validation=report.to_json(), settings=settings, data_docs_dir=data_docs,
            evaluation=evaluation,
        )


@flow(name="nightly", log_prints=True)
def nightly(
    sources: list[str] | None = None,
    data_dir: str | None = None,
    release_version: str | None = None,
    parallel: bool = False,
    day: str | None = None,
    dated_only: bool = False,
) -> RunSummary:
    """One nightly run over the given sources (default: the configured ones).

    Date-partitioned sources (``{date:%Y%m%d}`` in their location) are read for ``day`` (ISO date), by default
    yesterday in UTC, the last complete day; ``dated_only`` (backfills) reads only those.
    ``parallel`` submits the normalise chunks to the flow's task runner at once (use it with a
    Dask task runner, see ``run_nightly``); otherwise they run one after another in-process.
    """
    settings = get_settings(data_dir=data_dir)
    read_day = date.fromisoformat(day) if day else utc_now().date() - timedelta(days=1)
    configured = for_day(configured_sources(settings, [str(s) for s in sources] if sources else None), read_day, dated_only)
    if not configured:
        raise FileNotFoundError("no source to read: the sources file has no date-partitioned source "
                                "({date:...} in its location) to backfill" if dated_only else "no source configured")
    gold_sets = load_gold_sets(settings.evaluation_file) if settings.evaluation_file else []  # fail before any work
    workspace = Workspace(Path(settings.data_dir)).ensure()
    with workspace_lock(workspace.root, settings.lock_wait_seconds):
        return _run(configured, workspace, settings, release_version, parallel, gold_sets)


def bounded(stage: Task, settings: Settings) -> Task:
    """The stage with the configured time limit: Prefect fails a task that runs past it (and retries
    it where the task retries), instead of a hung source or disk holding the nightly slot."""
    return stage.with_options(timeout_seconds=settings.task_timeout_seconds)


def _run(sources: list[Source], workspace: Workspace, settings: Settings, release_version: str | None,
         parallel: bool, gold_sets: list[GoldSet]) -> RunSummary:
    started_at = utc_now()
    share = not parallel and use_extraction_helper(settings)  # the helper loads its models while the sources are read
    # Ingest.
    ingested = bounded(ingest_sources, settings)(sources, workspace, settings)
    recode = bounded(stale_documents, settings)(workspace, settings)
    documents = ingested.documents + [d for d in recode if d.doc_id not in {n.doc_id for n in ingested.documents}]
    _normalise_and_stage(documents, ingested.quarantine, started_at, workspace, settings, parallel, share)
    # Assemble and validate.
    tables = bounded(assemble_tables, settings)(workspace)
    target = open_target(workspace, settings)
    version = release_version or next_release_version(target, started_at.date())
    tables[RETRACTIONS] = retractions_against_previous(tables, version, target)  # validated like any table
    report = bounded(validate, settings)(tables)
    if not report.success:
        raise ValidationFailed(
            "the release was not published and `latest` still names the previous release; "
            "failed expectations:\n  " + "\n  ".join(report.failures)
        )
    # Measure and publish.
    evaluation = bounded(measure_accuracy, settings)(gold_sets, workspace, settings)
    release_dir = bounded(publish, settings)(tables, version, report, [s.location for s in sources], workspace, settings,
                                             evaluation)
    summary = RunSummary(
        release_version=version,
        release_dir=str(release_dir),
        documents_read=ingested.payloads_read,
        new_documents=len(ingested.documents),
        already_ingested=ingested.already_ingested,
        quarantined=len(ingested.quarantine),
        duplicates=len(ingested.duplicates),
        recoded_documents=len(recode),
        validation_success=report.success,
        row_counts={name: len(frame) for name, frame in tables.items()},
    )
    report_run(summary)
    return summary


def _normalise_and_stage(documents: list[CleanDocument], quarantine: list[dict], started_at: datetime,
                         workspace: Workspace, settings: Settings, parallel: bool, share: bool) -> None:
    """Code the documents and stage their rows; the frames are dropped on return, before the whole
    tables are assembled, so a run holds one copy of its rows at a time."""
    # Normalise: chunks of documents spread over the task runner's workers when parallel; else
    # coded here, shared with the helper process in one task (so that neither waits for the other
    # between chunks) when there is one.
    if parallel:
        futures = [bounded(normalise_chunk, settings).submit(chunk, settings, len(chunk))
                   for chunk in chunked(documents, settings.chunk_size)]
        parts = [f.result() for f in futures]
    elif share:
        parts = [bounded(normalise_chunk, settings)(documents, settings, len(documents), with_helper=True)]
    else:
        parts = [bounded(normalise_chunk, settings)(chunk, settings, len(chunk))
                 for chunk in chunked(documents, settings.chunk_size)]
    batch_id = batch_id_for([d.doc_id for d in documents] + [q["quarantine_id"] for q in quarantine], started_at)
    bounded(stage_batch, settings)(merge_frames(parts), documents, quarantine, batch_id, started_at, workspace,
                                   settings)


def report_run(summary: RunSummary) -> None:
    """A markdown and a table artifact per run: what came in, what was set aside, what went out."""
    lines = [
        f"# newsevents nightly run: release {summary.release_version}",
        "",
        f"- documents read: {summary.documents_read}",
        f"- new documents: {summary.new_documents}",
        f"- already ingested (duplicates of earlier input): {summary.already_ingested}",
        f"- quarantined: {summary.quarantined}",
        f"- duplicates of documents already ingested: {summary.duplicates}",
        f"- coded again after an extractor change: {summary.recoded_documents}",
        f"- validation: {'passed' if summary.validation_success else 'failed'}",
        f"- release: `{summary.release_dir}`",
    ]
    create_markdown_artifact(key="nightly-summary", markdown="\n".join(lines) + "\n",
                             description=f"release {summary.release_version}")
    create_table_artifact(
        key="nightly-row-counts",
        table=[{"table": name, "rows": count} for name, count in summary.row_counts.items()],
        description=f"rows per table in release {summary.release_version}",
    )


def run_nightly(runner: str = "local", dask_address: str | None = None, dask_workers: int = 2, **parameters) -> RunSummary:
    """Run the flow on the chosen task runner: in-process, or Dask (an existing cluster at
    ``dask_address``, else a LocalCluster of ``dask_workers`` processes)."""
    if runner == "local":
        return nightly(**parameters)
    if runner == "process":  # one machine, every core: Prefect's process pool, one parse per worker
        from prefect.task_runners import ProcessPoolTaskRunner

        return nightly.with_options(task_runner=ProcessPoolTaskRunner(max_workers=dask_workers))(parallel=True, **parameters)
    if runner != "dask":
        raise ValueError(f"unknown runner {runner!r}: use 'local', 'process' or 'dask'")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as error:
        raise RuntimeError("the Dask runner needs the dask extra: uv sync --extra dask "
                           "(or pip install 'newsevents[dask]')") from error
    task_runner = (DaskTaskRunner(address=dask_address) if dask_address else
                   DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1, "processes": True}))
    return nightly.with_options(task_runner=task_runner)(parallel=True, **parameters)


def backfill(first_day: date, last_day: date, **run_options) -> list[RunSummary]:
    """One run per day over the date-partitioned sources, oldest first (each publishes a release)."""
    if last_day < first_day:
        raise ValueError(f"--to {last_day} is before --from {first_day}")
    summaries = []
    day = first_day
    while day <= last_day:
        summaries.append(run_nightly(day=day.isoformat(), dated_only=True, **run_options))
        day += timedelta(days=1)
    return summaries

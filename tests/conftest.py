"""Shared fixtures: a Prefect test harness for the session, the NLP models loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

import flows  # noqa: F401  (sets the no-telemetry defaults before Prefect is imported)
import flows.nightly  # noqa: F401  (Prefect sets up its log handlers on the real stderr, before any
#                      CliRunner swaps the streams and closes them under it)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API for flow runs (real flow runs, no server to manage)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def models():
    from flows.resources import load_models
    from flows.settings import Settings

    return load_models(Settings().spacy_model)


@pytest.fixture(scope="session")
def extract_text(models):
    """Run the whole extraction on one text: returns the rows of every table."""
    from transforms.clean import clean_article_text
    from transforms.extract import DocumentForExtraction, extract_documents
    from transforms.ids import doc_id_for, sha256_text
    from datetime import datetime, timezone

    def run(text: str, published: datetime | None = datetime(2024, 3, 15, tzinfo=timezone.utc)) -> dict:
        cleaned = clean_article_text(text, take_title=False).text
        item = DocumentForExtraction(doc_id_for(sha256_text(cleaned)), cleaned, published)
        [(_, rows)] = list(extract_documents([item], models))
        rows["text"] = cleaned
        return rows

    return run

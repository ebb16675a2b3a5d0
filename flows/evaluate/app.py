"""The `newsevents evaluate` command group, and the one extraction every evaluation runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from transforms.extract import DocumentForExtraction

evaluate_app = typer.Typer(no_args_is_help=True, help="Measure extraction quality against gold data.")


def extract_gold_documents(items: list["DocumentForExtraction"]) -> list[tuple["DocumentForExtraction", dict]]:
    """Each gold document's rows of every table, extracted as the pipeline extracts them, with a progress bar
    on stderr (an evaluation parses thousands of sentences)."""
    from rich.console import Console
    from rich.progress import track

    from flows.resources import load_models
    from flows.settings import get_settings
    from transforms.extract import extract_documents

    settings = get_settings()
    models = load_models(settings.spacy_model)
    documents = extract_documents(items, models, batch_size=settings.batch_size)
    return list(track(documents, total=len(items), description="extracting gold documents", transient=True,
                      console=Console(stderr=True)))

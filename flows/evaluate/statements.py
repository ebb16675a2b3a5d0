"""`newsevents evaluate statements` and `newsevents evaluate actors`: extraction against gold.

Statements are scored by the shared rule (transforms/score_statements.py agrees exactly with
../shared/eval/score_statements.py); people by last-name match per article.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from flows.evaluate.app import evaluate_app, extract_gold_documents


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _extract_texts(texts: Path, keys: list[str]) -> dict[str, dict]:
    """Rows of every table for the article files <texts>/<key>.txt, cleaned as ingest cleans them."""
    from transforms.clean import clean_article_text
    from transforms.extract import DocumentForExtraction

    missing = [k for k in keys if not (texts / f"{k}.txt").exists()]
    if missing:
        raise typer.BadParameter(f"{len(missing)} gold documents have no text in {texts}, e.g. {missing[0]}.txt")
    items = [DocumentForExtraction(key, clean_article_text((texts / f"{key}.txt").read_text(encoding="utf-8"),
                                                           take_title=False).text, None)
             for key in keys]
    return {item.doc_id: rows for item, rows in extract_gold_documents(items)}


def _print(result: dict, label: str) -> None:
    typer.echo(f"{label}: " + json.dumps(result))


def statement_predictions(gold_rows: list[dict], texts: Path) -> list[dict]:
    """Predicted statements, in the shared scorer's format, for the articles the gold rows name."""
    keys = sorted({r["doc"] for r in gold_rows})
    rows_by_doc = _extract_texts(texts, keys)
    return [
        {"doc": key, "quote": s["quote_text"], "speaker": s["speaker_phrase"] or s["speaker_text"] or ""}
        for key in keys for s in rows_by_doc[key]["statements"]
    ]


def measure_statements(gold: Path, texts: Path) -> dict:
    """Quote P/R/F1 and speaker accuracy of the current extractor on a gold set."""
    from transforms.score_statements import score_statements

    gold_rows = _read_jsonl(gold)
    return score_statements(gold_rows, statement_predictions(gold_rows, texts))


def measure_people(gold: Path, texts: Path) -> dict:
    """People-per-article P/R/F1 (last-name match) of the current actor resolution on a gold set."""
    from transforms.score_statements import score_people

    gold_people = {r["doc"]: r["people"] for r in _read_jsonl(gold)}
    rows_by_doc = _extract_texts(texts, sorted(gold_people))
    predicted = {key: [a["name"] for a in rows["actors"] if a["actor_type"] == "person"]
                 for key, rows in rows_by_doc.items()}
    return score_people(gold_people, predicted)


@evaluate_app.command("statements")
def evaluate_statements(
    gold: Path = typer.Option(..., "--gold", exists=True, dir_okay=False, help="Gold JSONL: {doc, quote, speaker} a line."),
    texts: Path = typer.Option(..., "--texts", exists=True, file_okay=False, help="Folder of <doc>.txt articles."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="Where to write predictions (JSONL)."),
    halves: bool = typer.Option(False, "--halves", help="Also score even- and odd-numbered documents (sorted keys)."),
) -> None:
    """Extract statements from the gold articles and print quote P/R/F1 and speaker accuracy."""
    from transforms.score_statements import score_statements

    gold_rows = _read_jsonl(gold)
    keys = sorted({r["doc"] for r in gold_rows})
    predicted = statement_predictions(gold_rows, texts)
    out = predictions or Path(f"{gold.stem}.predictions.jsonl")
    out.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in predicted), encoding="utf-8")
    typer.echo(f"predictions: {out}")
    if halves:
        _print(score_statements(gold_rows, predicted, keys[0::2]), "even")
        _print(score_statements(gold_rows, predicted, keys[1::2]), "odd")
    _print(score_statements(gold_rows, predicted), "all")


@evaluate_app.command("actors")
def evaluate_actors(
    gold: Path = typer.Option(..., "--gold", exists=True, dir_okay=False, help="Gold JSONL: {doc, people: [names]} a line."),
    texts: Path = typer.Option(..., "--texts", exists=True, file_okay=False, help="Folder of <doc>.txt articles."),
) -> None:
    """Resolve actors in the gold articles and print people-per-article P/R/F1 (last-name match)."""
    _print(measure_people(gold, texts), "people")

"""`newsevents evaluate extraction CORPUS`: article text from web pages, scored against a gold body.

The corpus is laid out like the article-extraction benchmark (``html/<id>.html.gz`` and
``ground-truth.json`` mapping each id to ``{"articleBody": ...}``). Each page is scored by token
precision, recall and F1 over its sets of lower-cased word tokens (``\\w+``), then averaged over
pages; an empty extraction scores 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import typer

from flows.evaluate.app import evaluate_app

TOKEN = re.compile(r"\w+")


def token_scores(predicted: str, gold: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the predicted text's word set against the gold text's."""
    pred, true = set(TOKEN.findall(predicted.lower())), set(TOKEN.findall(gold.lower()))
    common = len(pred & true)
    precision = common / len(pred) if pred else 0.0
    recall = common / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@evaluate_app.command("extraction")
def extraction(
    corpus: Path = typer.Argument(..., help="Folder with html/<id>.html.gz and ground-truth.json."),
    baseline: bool = typer.Option(False, "--baseline", help="Score trafilatura.extract() alone, for comparison."),
) -> None:
    """Mean token precision, recall and F1 of the extracted article text against articleBody."""
    import gzip
    import json
    import time

    from transforms.documents import article_text_from_html

    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    scores = []
    for page_id, gold in sorted(truth.items()):
        data = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        if baseline:
            import trafilatura

            predicted = trafilatura.extract(data) or ""
        else:
            predicted = article_text_from_html(data)
        scores.append(token_scores(predicted, gold.get("articleBody") or ""))
    elapsed = time.perf_counter() - started
    n = len(scores)
    p, r, f = (sum(s[i] for s in scores) / n for i in range(3)) if n else (0.0, 0.0, 0.0)
    typer.echo(f"pages {n}  precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}  ({elapsed:.1f} s)")

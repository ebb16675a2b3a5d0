"""Shared by the extraction benchmarks: a sample of a corpus, cleaned and parsed, with the parse timed."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@dataclass
class ParsedSample:
    models: object
    texts: list[str]
    docs: list
    words: int
    parse_seconds: float

    def is_place(self, text: str) -> bool:
        return self.models.gazetteer.lookup(text, None, fuzzy=False) is not None


def sample_arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=200, help="Articles to use (every n-th, 0 = all).")
    parser.add_argument("--model", default=None, help="spaCy pipeline (default: the settings' model).")
    return parser.parse_args()


def parsed_sample(corpus: Path, sample: int, model: str | None) -> ParsedSample:
    """Every n-th article of the corpus, cleaned as the pipeline cleans it, then parsed (timed)."""
    from flows.resources import load_models
    from flows.settings import get_settings
    from transforms.clean import clean_article_text

    folder = corpus / "text" if (corpus / "text").is_dir() else corpus
    paths = sorted(folder.glob("*.txt"))
    if sample and len(paths) > sample:
        step = len(paths) / sample
        paths = [paths[int(i * step)] for i in range(sample)]
    models = load_models(model or get_settings().spacy_model)
    texts = [clean_article_text(p.read_text(encoding="utf-8"), take_title=False).text for p in paths]
    started = time.perf_counter()
    docs = list(models.nlp.pipe(texts, batch_size=32))
    return ParsedSample(models, texts, docs, sum(len(t.split()) for t in texts), time.perf_counter() - started)

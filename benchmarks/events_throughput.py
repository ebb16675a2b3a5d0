"""Print spaCy parse time and the time event coding adds, on a corpus sample.

Usage: python benchmarks/events_throughput.py --corpus ../shared/corpus/polnear/train [--sample 200]
(``--corpus`` is a folder of .txt files or a folder holding text/*.txt.)

Event coding (triggers, actors' roles, place, date, modality, ACLED refinement) is timed apart
from what it shares with the other extractors (actor resolution, quotation spans), which is
printed on its own line; the issue's budget (at most +20% of parse time) is for event coding.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--sample", type=int, default=200, help="Articles to use (every n-th, 0 = all).")
    parser.add_argument("--model", default=None, help="spaCy pipeline (default: the settings' model).")
    args = parser.parse_args()

    from flows.resources import load_models
    from flows.settings import get_settings
    from transforms.actors import resolve_actors
    from transforms.clean import clean_article_text
    from transforms.events import extract_events
    from transforms.extract import _place_votes, _sentence_index
    from transforms.statements import StatementExtractor

    folder = args.corpus / "text" if (args.corpus / "text").is_dir() else args.corpus
    paths = sorted(folder.glob("*.txt"))
    if args.sample and len(paths) > args.sample:
        step = len(paths) / args.sample
        paths = [paths[int(i * step)] for i in range(args.sample)]
    models = load_models(args.model or get_settings().spacy_model)
    texts = [clean_article_text(p.read_text(encoding="utf-8"), take_title=False).text for p in paths]
    words = sum(len(t.split()) for t in texts)

    started = time.perf_counter()
    docs = list(models.nlp.pipe(texts, batch_size=32))
    parse_seconds = time.perf_counter() - started

    is_place = lambda text: models.gazetteer.lookup(text, None, fuzzy=False) is not None  # noqa: E731
    started = time.perf_counter()
    prepared = []
    for doc in docs:
        sentence_of_token = _sentence_index(doc)
        actors = resolve_actors(doc, models.actors, sentence_of_token, _place_votes(doc, models.gazetteer), is_place)
        in_quote = StatementExtractor(doc, actors, models.cues, sentence_of_token).in_quote
        prepared.append((doc, actors, sentence_of_token, in_quote))
    shared_seconds = time.perf_counter() - started

    started = time.perf_counter()
    n_events = 0
    published = date(2016, 12, 31)
    for doc, actors, sentence_of_token, in_quote in prepared:
        n_events += len(extract_events(doc, actors, models.events, models.gazetteer, published, sentence_of_token, in_quote))
    event_seconds = time.perf_counter() - started

    print(f"articles {len(docs)}, words {words}, events {n_events}")
    print(f"spaCy parse: {parse_seconds:.2f} s ({len(docs) / parse_seconds:.1f} docs/s)")
    print(f"event coding: {event_seconds:.2f} s (+{100 * event_seconds / parse_seconds:.1f}% of parse time)")
    print(f"shared with other extractors (actor resolution, quotation spans): {shared_seconds:.2f} s "
          f"(+{100 * shared_seconds / parse_seconds:.1f}% of parse time)")


if __name__ == "__main__":
    main()

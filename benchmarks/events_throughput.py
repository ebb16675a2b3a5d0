"""Print spaCy parse time and the time event coding adds, on a corpus sample.

Usage: python benchmarks/events_throughput.py --corpus ../shared/corpus/polnear/train [--sample 200]
(``--corpus`` is a folder of .txt files or a folder holding text/*.txt.)

Event coding (triggers, actors' roles, place, date, modality, ACLED refinement) is timed apart
from what it shares with the other extractors (actor resolution, quotation spans), which is
printed on its own line; the issue's budget (at most +20% of parse time) is for event coding.
"""

from __future__ import annotations

import time
from datetime import date

from corpus_sample import parsed_sample, sample_arguments


def main() -> None:
    args = sample_arguments(__doc__.splitlines()[0])
    sample = parsed_sample(args.corpus, args.sample, args.model)
    models, docs, words, parse_seconds, is_place = sample.models, sample.docs, sample.words, sample.parse_seconds, sample.is_place

    from transforms.actors import resolve_actors
    from transforms.events import extract_events
    from transforms.extract import _place_votes, _sentence_index
    from transforms.statements import StatementExtractor

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
        n_events += len(extract_events(doc, actors, models.events, models.gazetteer, published, sentence_of_token, in_quote,
                                       models.place_ranker))
    event_seconds = time.perf_counter() - started

    print(f"articles {len(docs)}, words {words}, events {n_events}")
    print(f"spaCy parse: {parse_seconds:.2f} s ({len(docs) / parse_seconds:.1f} docs/s)")
    print(f"event coding: {event_seconds:.2f} s (+{100 * event_seconds / parse_seconds:.1f}% of parse time)")
    print(f"shared with other extractors (actor resolution, quotation spans): {shared_seconds:.2f} s "
          f"(+{100 * shared_seconds / parse_seconds:.1f}% of parse time)")


if __name__ == "__main__":
    main()

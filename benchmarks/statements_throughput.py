"""Print spaCy parse time and the time statements + actor resolution add, on a corpus sample.

Usage: python benchmarks/statements_throughput.py --corpus ../shared/corpus/polnear/train [--sample 200]
(``--corpus`` is a folder of .txt files or a folder holding text/*.txt.)
"""

from __future__ import annotations

import time

from corpus_sample import parsed_sample, sample_arguments


def main() -> None:
    args = sample_arguments(__doc__.splitlines()[0])
    sample = parsed_sample(args.corpus, args.sample, args.model)
    models, docs, words, parse_seconds, is_place = sample.models, sample.docs, sample.words, sample.parse_seconds, sample.is_place

    from transforms.actors import resolve_actors
    from transforms.extract import _place_votes, _sentence_index
    from transforms.statements import extract_statements

    started = time.perf_counter()
    n_statements = n_mentions = 0
    for doc in docs:
        sentence_of_token = _sentence_index(doc)
        actors = resolve_actors(doc, models.actors, sentence_of_token, _place_votes(doc, models.gazetteer), is_place)
        n_statements += len(extract_statements(doc, actors, models.cues, sentence_of_token))
        n_mentions += len(actors.mentions)
    extract_seconds = time.perf_counter() - started

    print(f"articles {len(docs)}, words {words}, actor mentions {n_mentions}, statements {n_statements}")
    print(f"spaCy parse: {parse_seconds:.2f} s ({len(docs) / parse_seconds:.1f} docs/s)")
    print(f"statements + actor resolution: {extract_seconds:.2f} s "
          f"(+{100 * extract_seconds / parse_seconds:.1f}% of parse time)")


if __name__ == "__main__":
    main()

"""Duplicates: exact text, canonical URL and near-duplicates (MinHash LSH), one case per pattern."""

from __future__ import annotations

import pytest

from tests.news_fixtures import article_text
from transforms.dedup import DuplicateIndex, KnownDocument, canonical_url, normalised_text_hash, signature


def known(doc_id: str, text: str, url: str | None = None) -> KnownDocument:
    return KnownDocument(doc_id, normalised_text_hash(text), canonical_url(url), signature(text))


def lookup(index: DuplicateIndex, doc_id: str, text: str, url: str | None = None):
    return index.match(doc_id, normalised_text_hash(text), canonical_url(url), signature(text))


@pytest.fixture
def index() -> DuplicateIndex:
    index = DuplicateIndex(threshold=0.7)
    index.add(known("doc_first", article_text(1), "https://news.example.org/world/story-1"))
    index.add(known("doc_other", article_text(2)))
    return index


def test_same_text_with_other_case_and_spacing_is_an_exact_duplicate(index):
    variant = "  " + article_text(1).upper().replace(". ", ".\n\n")
    match = lookup(index, "doc_variant", variant)
    assert (match.duplicate_of, match.method, match.similarity) == ("doc_first", "exact_text", 1.0)


@pytest.mark.parametrize("url", ["http://www.news.example.org/world/story-1/?utm_source=rss&utm_medium=feed",
                                 "https://NEWS.example.org:443/world/story-1#comments"])
def test_same_canonical_url_is_a_duplicate(index, url):
    match = lookup(index, "doc_updated", article_text(3), url)
    assert (match.duplicate_of, match.method) == ("doc_first", "canonical_url")


def test_republished_with_another_headline_and_boilerplate_is_a_near_duplicate(index):
    copy = ("Officials weigh in as city budgets shift\n\n" + article_text(1)
            + "\n\nSubscribe to our newsletter.\n\nCopyright Example Wire. All rights reserved.")
    match = lookup(index, "doc_copy", copy)
    assert match.duplicate_of == "doc_first" and match.method == "near_duplicate" and 0.7 <= match.similarity < 1


def test_a_different_article_from_the_same_templates_is_not_a_duplicate(index):
    assert lookup(index, "doc_new", article_text(3)) is None


def test_a_document_never_duplicates_itself(index):
    assert lookup(index, "doc_first", article_text(1), "https://news.example.org/world/story-1") is None


def test_query_parameters_that_name_the_article_are_kept():
    assert canonical_url("https://example.org/article?id=7&utm_campaign=x") == "https://example.org/article?id=7"
    assert canonical_url("https://example.org/article?id=7") != canonical_url("https://example.org/article?id=8")


def test_a_threshold_of_one_finds_exact_duplicates_only():
    index = DuplicateIndex(threshold=1.0)
    index.add(known("doc_first", article_text(1)))
    assert lookup(index, "doc_copy", article_text(1) + "\n\nSubscribe to our newsletter.") is None
    assert lookup(index, "doc_same", article_text(1).upper()).method == "exact_text"

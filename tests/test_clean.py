"""Page furniture out, article in: one case per kind of furniture."""

from datetime import datetime, timezone

import pytest

from transforms.clean import clean_article_text, parse_date_line

ARTICLE = "Officials said the bridge reopened on Monday after two weeks of repairs."


@pytest.mark.parametrize(
    "furniture",
    [
        "Skip to content",
        "1. Skip to main menu",
        "Skip next section Related stories",
        "Image: Getty Images/J. Doe",
        "Flood waters rise in the valleyPhoto: AP/K. Lee",
        "This browser does not support the video element.",
        "Your browser does not support the audio element.",
        "02:15",
        "Editor's Top Story",
        "More stories from the region",
        "Advertisement",
        "ab/cd (Reuters, AFP)",
        "Home | World | Middle East",
        "News › Politics › Europe",
    ],
    ids=lambda s: s[:30],
)
def test_furniture_line_is_dropped(furniture):
    cleaned = clean_article_text(f"Bridge reopens\n\n{furniture}\n\n{ARTICLE}")
    assert furniture not in cleaned.text
    assert ARTICLE in cleaned.text


def test_caption_before_a_photo_credit_is_dropped():
    cleaned = clean_article_text(f"Bridge reopens\n\n{ARTICLE}\n\nCrowds on the bridge\nImage: dpa/A. Smith\n\n{ARTICLE}")
    assert "Crowds on the bridge" not in cleaned.text


def test_headline_and_date_line_become_metadata():
    cleaned = clean_article_text(f"Bridge reopens after repairs\n\nMarch 3, 2021\n\n{ARTICLE}")
    assert cleaned.title == "Bridge reopens after repairs"
    assert cleaned.published_at == datetime(2021, 3, 3, tzinfo=timezone.utc)
    assert cleaned.text == ARTICLE


def test_subheadings_inside_the_article_are_kept():
    text = f"Title line\n\n{ARTICLE}\n\nWhat comes next\n\n{ARTICLE}"
    assert "What comes next" in clean_article_text(text).text


@pytest.mark.parametrize("line", ["The minister spoke on March 3, 2021 in the capital.", "Chapter 4", "Room 101"])
def test_sentences_and_numbers_are_not_date_lines(line):
    assert parse_date_line(line) is None


def test_seed_article_is_cleaned():
    from tests.conftest import SEED_DIR

    raw = next(SEED_DIR.glob("*.txt")).read_text(encoding="utf-8")
    cleaned = clean_article_text(raw)
    for furniture in ("Skip to content", "Image: Reuters/A.Ismail", "This browser does not support the video element.",
                      "00:57", "DW's Top Story"):
        assert furniture not in cleaned.text
    assert cleaned.published_at == datetime(2016, 2, 5, tzinfo=timezone.utc)
    assert cleaned.text.startswith("The Syrian army has retaken")


@pytest.mark.parametrize("line", ["Prices rose 3% / 4% in two years / says the bank", "Q&A | What the new law means for renters"])
def test_lines_with_separators_but_long_items_are_kept(line):
    assert line in clean_article_text(f"Title line\n\n{ARTICLE}\n\n{line}\n\n{ARTICLE}").text

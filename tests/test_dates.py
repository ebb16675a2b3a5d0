"""Date expressions resolved against the publication date (a Wednesday), never later than it."""

from datetime import date

import pytest

from transforms.dates import resolve_date_expression

PUBLISHED = date(2024, 3, 13)  # a Wednesday


@pytest.mark.parametrize(
    "text, expected, precision",
    [
        ("on Wednesday", date(2024, 3, 13), "day"),
        ("on Monday", date(2024, 3, 11), "day"),
        ("last Wednesday", date(2024, 3, 6), "day"),
        ("yesterday", date(2024, 3, 12), "day"),
        ("two days ago", date(2024, 3, 11), "day"),
        ("earlier this week", date(2024, 3, 13), "week"),
        ("March 2", date(2024, 3, 2), "day"),
        ("December 30", date(2023, 12, 30), "day"),
        ("12 January 2023", date(2023, 1, 12), "day"),
        ("last night", date(2024, 3, 12), "day"),
        ("overnight", date(2024, 3, 12), "day"),
        ("over the weekend", date(2024, 3, 9), "week"),
        ("on Feb. 20", date(2024, 2, 20), "day"),
        ("a week ago", date(2024, 3, 6), "week"),
    ],
)
def test_past_expressions_resolve(text, expected, precision):
    resolved = resolve_date_expression(text, PUBLISHED)
    assert resolved is not None and (resolved.value, resolved.precision) == (expected, precision)


@pytest.mark.parametrize("text", ["tomorrow", "next week", "later on Friday", "March 25", "until April 2", "on 22 April"])
def test_future_expressions_give_no_date(text):
    assert resolve_date_expression(text, PUBLISHED) is None

"""Resolve date expressions ("on Friday", "two days ago", "February 3") against the publication date.

An event reported in an article cannot have happened after the article was published, so a
resolved date later than publication is never returned: such expressions talk about the future.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil import parser as date_parser

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 3, "few": 3, "couple": 2,
}
FUTURE_WORDS = re.compile(r"\b(next|tomorrow|later|coming|upcoming|until|till|due)\b", re.IGNORECASE)
MONTH_NAME = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?"
    r"|nov(ember)?|dec(ember)?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ResolvedDate:
    value: date
    precision: str  # day, week, month, year
    text: str | None


def _number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def resolve_date_expression(text: str, published: date) -> ResolvedDate | None:
    """One date expression resolved relative to the publication date, or None if it is not one
    we can place in the past (future expressions, durations, unparseable text)."""
    lowered = text.lower().strip()
    if FUTURE_WORDS.search(lowered):
        return None
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", lowered):
        return ResolvedDate(published, "day", text)
    if "yesterday" in lowered or re.search(r"\b(last night|overnight)\b", lowered):
        return ResolvedDate(published - timedelta(days=1), "day", text)
    if re.search(r"\b(over|at|during) the weekend\b|\b(this|last) weekend\b", lowered):
        back = (published.weekday() - 5) % 7  # the latest Saturday up to publication
        if "last" in lowered.split() and back < 2:
            back += 7
        return ResolvedDate(published - timedelta(days=back), "week", text)
    for i, day in enumerate(WEEKDAYS):
        if re.search(rf"\b{day}\b", lowered) and not MONTH_NAME.search(lowered):
            back = (published.weekday() - i) % 7
            if "last" in lowered.split() and back == 0:
                back = 7
            return ResolvedDate(published - timedelta(days=back), "day", text)
    if m := re.search(r"\b(\w+) (day|week|month|year)s? ago\b", lowered):
        n = _number(m.group(1))
        if n is not None:
            unit = m.group(2)
            days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * n
            return ResolvedDate(published - timedelta(days=days), unit, text)
    if m := re.search(r"\b(past|previous|last) (\w+) (day|week|month)s\b", lowered):
        unit = {"day": "week", "week": "month", "month": "year"}[m.group(3)]
        return ResolvedDate(published - timedelta(days=1), unit, text)
    if re.search(r"\b(earlier|this|last) week\b", lowered):
        back = 7 if "last" in lowered else 0
        return ResolvedDate(published - timedelta(days=back), "week", text)
    if re.search(r"\b(earlier|this) month\b", lowered):
        return ResolvedDate(published, "month", text)
    if re.search(r"\blast month\b", lowered):
        first = published.replace(day=1) - timedelta(days=1)
        return ResolvedDate(first, "month", text)
    if re.search(r"\blast year\b", lowered):
        return ResolvedDate(date(published.year - 1, 12, 31), "year", text)
    if MONTH_NAME.search(lowered) and re.search(r"\d", lowered):
        try:
            parsed = date_parser.parse(text, fuzzy=True, default=datetime(published.year, 1, 1)).date()
        except (ValueError, OverflowError):
            return None
        if not re.search(r"\b\d{4}\b", lowered) and (parsed - published).days > 183:
            parsed = parsed.replace(year=parsed.year - 1)  # "December 30" in a January article
        if parsed > published:
            return None
        precision = "day" if re.search(r"\b\d{1,2}(st|nd|rd|th)?\b", re.sub(r"\b\d{4}\b", "", lowered)) else "month"
        return ResolvedDate(parsed, precision, text)
    return None

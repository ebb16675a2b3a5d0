"""Turn scraped article text into clean article text plus the metadata the page itself states.

Scraped text carries page furniture: navigation ("Skip to content"), photo captions and credits,
video stubs and durations, teaser blocks ("Top Story", "More stories from ..."). These rules
recognise the *kinds* of furniture news sites use, not any one site's strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from dateutil import parser as date_parser

NAVIGATION = re.compile(r"^(\d+\.\s*)?skip (to|next)\b", re.IGNORECASE)
# A breadcrumb or menu: three or more short items (at most three words each) between separators.
BREADCRUMB = re.compile(r"^[^|›»>/]{1,30}(\s[|›»>/]\s[^|›»>/]{1,30}){2,}$")
PHOTO_CREDIT = re.compile(r"(^|\S)\s*(image|photo|picture|credit|foto)\s*:\s*\S", re.IGNORECASE)
VIDEO_STUB = re.compile(
    r"(browser|player) does not support (the )?(video|audio)|enable javascript to (watch|play)"
    r"|^(watch|play)( the)? video\b",
    re.IGNORECASE,
)
MEDIA_DURATION = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
TEASER = re.compile(
    r"(\btop stor(y|ies)$|^more (stories|news|articles) from\b|^related (content|stories|articles)$"
    r"|^read (more|also|next)\b|^advertisement$|^share (this|on)\b|^(follow|subscribe)\b.*\b(newsletter|us)\b"
    r"|^most (read|popular)$|^(tags?|topics?|keywords?)\s*:"
    r"|^[a-z]{1,4}(/[a-z]{1,4})+\s*\([^)]*\)$)",  # wire sign-off: author initials and agencies
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"[.!?…\"'”’)\]:。！？」』]$")
TRAILING_HEADINGS_MAX = 2  # a longer run of short lines at the end is a list the article ends with


@dataclass(frozen=True)
class CleanedArticle:
    text: str
    title: str | None
    published_at: datetime | None
    removed_lines: tuple[str, ...]


def _is_furniture(line: str) -> bool:
    return bool(
        NAVIGATION.search(line)
        or _is_breadcrumb(line)
        or PHOTO_CREDIT.search(line)
        or VIDEO_STUB.search(line)
        or MEDIA_DURATION.match(line)
        or TEASER.search(line)
    )


def _is_breadcrumb(line: str) -> bool:
    return bool(BREADCRUMB.match(line)) and all(len(part.split()) <= 3 for part in re.split(r"\s[|›»>/]\s", line))


def _is_caption(line: str) -> bool:
    """A short line with no sentence punctuation, standing right before a photo credit."""
    return len(line.split()) <= 12 and not SENTENCE_END.search(line)


def parse_date_line(line: str) -> datetime | None:
    """A line that is only a date ("February 5, 2016", "2016-02-05") as UTC midnight, else None."""
    if len(line) > 40 or not re.search(r"\d", line) or len(re.findall(r"[A-Za-z]+", line)) > 4:
        return None
    try:
        parsed = date_parser.parse(line, fuzzy=False, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    if parsed.year < 1900:
        return None
    if parsed.tzinfo is None:
        return datetime(parsed.year, parsed.month, parsed.day, tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def clean_article_text(raw: str, take_title: bool = True) -> CleanedArticle:
    """Drop furniture lines, take the headline and a standalone date line as metadata.

    Paragraphs are kept one per line, separated by a blank line, so that paragraph breaks
    survive into sentence segmentation and quote carry-over.
    """
    lines = [re.sub(r"\s+", " ", line).strip() for line in raw.replace("\r\n", "\n").split("\n")]
    kept: list[str] = []
    removed: list[str] = []
    title: str | None = None
    published: datetime | None = None
    for line in lines:
        if not line:
            continue
        if _is_furniture(line):
            removed.append(line)
            if PHOTO_CREDIT.search(line) and kept and _is_caption(kept[-1]) and kept[-1] != title:
                removed.append(kept.pop())
            continue
        if published is None and (date := parse_date_line(line)) is not None:
            published = date
            removed.append(line)
            continue
        if take_title and title is None and not kept and not SENTENCE_END.search(line) and len(line.split()) <= 25:
            title = line
            removed.append(line)
            continue
        kept.append(line)
    # A trailing heading or two with nothing after them is a teaser block's title, not article
    # text; a longer run of short lines is a list (tour dates, prices) that belongs to the article.
    trailing = 0
    while trailing < len(kept) and _is_caption(kept[-1 - trailing]):
        trailing += 1
    if 0 < trailing <= TRAILING_HEADINGS_MAX:
        removed.extend(reversed(kept[-trailing:]))
        del kept[-trailing:]
    return CleanedArticle(
        text="\n\n".join(kept),
        title=title,
        published_at=published,
        removed_lines=tuple(removed),
    )

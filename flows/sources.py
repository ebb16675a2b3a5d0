"""Where news comes from: the sources config file, or ad-hoc locations given on the command line."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from flows.settings import PROJECT_ROOT, Settings

KINDS = ("folder", "feed", "urls", "warc")
WARC_SUFFIXES = (".warc", ".warc.gz")
FEED_SUFFIXES = (".rss", ".atom", ".xml")


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # one of KINDS
    location: str
    options: dict = field(default_factory=dict)  # licence, language, delay_seconds, ...


class SourcesConfigError(ValueError):
    """The sources file cannot be used; the message says which entry and why."""


def resolve_path(location: str | Path) -> Path:
    """A path from the working directory, else from the project root (so "seeds" works anywhere)."""
    path = Path(location)
    if path.exists() or path.is_absolute() or not (PROJECT_ROOT / path).exists():
        return path
    return PROJECT_ROOT / path


def load_sources_file(path: Path) -> list[Source]:
    """Every ``[[source]]`` of a TOML sources file, checked."""
    path = resolve_path(path)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise FileNotFoundError(f"sources file {path} does not exist (setting NEWSEVENTS_SOURCES_FILE)") from error
    except tomllib.TOMLDecodeError as error:
        raise SourcesConfigError(f"sources file {path}: {error}") from error
    sources, names = [], set()
    for i, entry in enumerate(config.get("source", []), start=1):
        missing = [k for k in ("name", "kind", "location") if not entry.get(k)]
        if missing:
            raise SourcesConfigError(f"{path}: source #{i} lacks {', '.join(missing)}")
        if entry["kind"] not in KINDS:
            raise SourcesConfigError(f"{path}: source {entry['name']!r} has kind {entry['kind']!r}; use one of {KINDS}")
        if entry["name"] in names:
            raise SourcesConfigError(f"{path}: two sources are named {entry['name']!r}")
        names.add(entry["name"])
        options = {k: v for k, v in entry.items() if k not in ("name", "kind", "location")}
        sources.append(Source(entry["name"], entry["kind"], str(entry["location"]), options))
    return sources


def _default_name(location: str) -> str:
    if "://" in location:
        return urlparse(location).hostname or "web"
    path = Path(location)
    if path.suffix:
        return path.parent.name or "files"
    return path.name or "files"


def source_from_location(location: str) -> Source:
    """An ad-hoc source: ``kind=location`` (e.g. ``feed=https://host/rss``), or the kind guessed from
    the location (a WARC file by its suffix, any other URL a web page, any other path a folder/file)."""
    kind, sep, rest = location.partition("=")
    if sep and kind in KINDS:
        return Source(_default_name(rest), kind, rest)
    lowered = location.lower().split("?")[0]
    if lowered.endswith(WARC_SUFFIXES):
        return Source(_default_name(location), "warc", location)
    if lowered.startswith(("http://", "https://")):
        return Source(_default_name(location), "page", location)
    return Source(_default_name(location), "folder", location)


def configured_sources(settings: Settings, locations: list[str] | None = None) -> list[Source]:
    """Ad-hoc locations if any were given (``--source``, ``NEWSEVENTS_SOURCES``), else the sources file."""
    chosen = locations or settings.sources
    if chosen:
        return [source_from_location(str(location)) for location in chosen]
    return load_sources_file(settings.sources_file)


DATE_PLACEHOLDER = "{date"


def is_dated(source: Source) -> bool:
    """A date-partitioned source: its location holds ``{date:<strftime>}``, e.g. one WARC a day."""
    return DATE_PLACEHOLDER in source.location


def for_day(sources: list[Source], day: date, dated_only: bool = False) -> list[Source]:
    """Sources to read for one day: dated locations filled in for that day; undated ones as they are
    (or left out for a backfill, which only re-reads what is partitioned by date)."""
    chosen = []
    for source in sources:
        if is_dated(source):
            chosen.append(Source(source.name, source.kind, source.location.format(date=day), source.options))
        elif not dated_only:
            chosen.append(source)
    return chosen

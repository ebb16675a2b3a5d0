"""Sources: the config file, and the kinds of ad-hoc --source locations."""

from __future__ import annotations

import pytest

from flows.settings import PROJECT_ROOT, Settings
from flows.sources import Source, SourcesConfigError, configured_sources, load_sources_file, source_from_location


def test_the_default_sources_file_reads_the_seeds_folder():
    [seeds] = configured_sources(Settings())
    assert (seeds.name, seeds.kind, seeds.location) == ("seeds", "folder", "seeds")
    assert seeds.options["language"] == "en"


def test_every_kind_is_read_with_its_options(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text(
        '[[source]]\nname = "wire"\nkind = "feed"\nlocation = "https://example.org/rss.xml"\ndelay_seconds = 5\n'
        '[[source]]\nname = "list"\nkind = "urls"\nlocation = "urls.txt"\n'
        '[[source]]\nname = "cc"\nkind = "warc"\nlocation = "s3://bucket/CC-NEWS.warc.gz"\nlicence = "CC-NEWS terms"\n')
    sources = configured_sources(Settings(sources_file=config))
    assert [(s.name, s.kind) for s in sources] == [("wire", "feed"), ("list", "urls"), ("cc", "warc")]
    assert sources[0].options == {"delay_seconds": 5} and sources[2].options == {"licence": "CC-NEWS terms"}


@pytest.mark.parametrize("body, message", [
    ('[[source]]\nname = "x"\nkind = "ftp"\nlocation = "y"\n', "kind 'ftp'"),
    ('[[source]]\nname = "x"\nlocation = "y"\n', "lacks kind"),
    ('[[source]]\nname = "x"\nkind = "folder"\nlocation = "a"\n[[source]]\nname = "x"\nkind = "folder"\nlocation = "b"\n',
     "two sources are named 'x'"),
    ("[[source]\n", "sources.toml"),
])
def test_a_bad_sources_file_is_a_clear_error(tmp_path, body, message):
    config = tmp_path / "sources.toml"
    config.write_text(body)
    with pytest.raises(SourcesConfigError, match=message):
        load_sources_file(config)


@pytest.mark.parametrize("location, kind", [
    ("seeds", "folder"), ("inbox/article.txt", "folder"), ("https://example.org/story.html", "page"),
    ("data/CC-NEWS-20240301.warc.gz", "warc"), ("s3://commoncrawl/x.warc.gz", "warc"),
    ("feed=https://example.org/rss", "feed"), ("urls=lists/today.txt", "urls"),
])
def test_ad_hoc_locations_get_their_kind(location, kind):
    assert source_from_location(location).kind == kind


def test_command_line_locations_replace_the_sources_file():
    assert configured_sources(Settings(), ["feed=https://example.org/rss"]) == [
        Source("example.org", "feed", "https://example.org/rss")]
    assert configured_sources(Settings(sources=[str(PROJECT_ROOT / "seeds")]))[0].kind == "folder"

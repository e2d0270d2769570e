"""The one registry of sources (config/sources.toml): every spider is in it, its order is the merge order,
and a name it does not know is an error wherever it turns up."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings as ScrapySettings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler

from crawlers.config import DATABASE_URL
from crawlers.items import RecordItem
from crawlers.pipelines import StorePipeline
from crawlers.runner import SPIDERS
from crawlers.sources import SourceConfigError, UnknownSourceError, load_registry, source, spider_names
from crawlers.spiders.base import StdWatchSpider
from crawlers.spiders.sacinfo_hbba import SacinfoHbbaSpider
from crawlers.store import CrawlStore


def test_every_spider_is_registered_and_every_source_has_a_spider() -> None:
    loader = SpiderLoader.from_settings(ScrapySettings({"SPIDER_MODULES": ["crawlers.spiders"]}))
    assert sorted(loader.list()) == sorted(spider_names())
    assert spider_names() == SPIDERS
    assert [source(name).rank for name in SPIDERS] == list(range(len(SPIDERS)))


def test_the_file_order_is_the_merge_order_and_other_keys_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[zeta]\nbase_url = "https://z.example"\ndownload_delay = 2\nschedule = "0 1 * * *"\n\n'
        '[alpha]\nbase_url = "http://a.example"\ndownload_delay = 0.5\npage_size = 5\n'
    )
    registry = load_registry(path)
    assert registry.names == ("zeta", "alpha")
    assert [(s.rank, s.base_url, s.download_delay) for s in registry.sources.values()] == [
        (0, "https://z.example", 2.0),
        (1, "http://a.example", 0.5),
    ]
    assert registry.get("zeta").options["schedule"] == "0 1 * * *"
    assert registry.get("alpha").options["page_size"] == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[a]\ndownload_delay = 1\n", r"\[a\] base_url must be an http\(s\) URL, got None"),
        (
            '[a]\nbase_url = "ftp://a.example"\ndownload_delay = 1\n',
            r"\[a\] base_url .* got 'ftp://a.example'",
        ),
        (
            '[a]\nbase_url = "https://a.example"\n',
            r"\[a\] download_delay must be a number of seconds, got None",
        ),
        ('[a]\nbase_url = "https://a.example"\ndownload_delay = -1\n', r"\[a\] download_delay .* got -1"),
        ('[a]\nbase_url = "https://a.example"\ndownload_delay = true\n', r"\[a\] download_delay .* got True"),
        ("a = 1\n", "a must be a table"),
    ],
)
def test_a_source_without_what_every_source_needs_fails_loudly(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    with pytest.raises(SourceConfigError, match=message) as error:
        load_registry(path)
    assert str(path) in str(error.value)


def test_an_unknown_name_is_an_error_not_a_default() -> None:
    with pytest.raises(UnknownSourceError, match=r"unknown spider 'nope'; known: .*samr_openstd"):
        source("nope")

    class Unregistered(StdWatchSpider):
        name = "nope"

    with pytest.raises(UnknownSourceError, match="'nope'"):
        Unregistered()


def test_a_stored_snapshot_from_an_unknown_source_stops_the_merge(tmp_path: Path) -> None:
    """The merge order has no place for a source it does not know: it says so instead of ranking it first."""
    crawler = get_crawler(SacinfoHbbaSpider, {DATABASE_URL: f"sqlite:///{tmp_path / 'store.sqlite3'}"})
    crawler.spider = SacinfoHbbaSpider.from_crawler(crawler)
    stale = {"code": "JB/T 13368-2018", "title_zh": "旧"}
    CrawlStore.of(crawler).crawls.mark_seen("retired_spider", [("x1", "f", "jb-t-13368-2018", stale)])
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.process_item(RecordItem("733d", "u", {"code": "JB/T 13368-2018", "title_zh": "叉车属具 软包夹"}))
    with pytest.raises(UnknownSourceError, match="unknown spider 'retired_spider'"):
        pipeline.close_spider()

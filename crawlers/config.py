"""How StdWatch's Settings reach a crawl: as Scrapy settings, which pipelines, extensions and spiders read
through `from_crawler`. The runner hands them to the crawl process explicitly; `scrapy crawl` run by hand gets
them from the environment (STDWATCH_*) through the add-on below, read when that crawl starts."""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

from config.settings import Settings

DATABASE_URL = "STDWATCH_DATABASE_URL"
EPING_KEY = "STDWATCH_EPING_KEY"


def scrapy_settings(settings: Settings) -> dict[str, Any]:
    """The Scrapy settings that carry one StdWatch Settings object into a crawl."""
    return {
        DATABASE_URL: settings.resolved_database_url,
        EPING_KEY: settings.eping_key or "",
        "USER_AGENT": f"StdWatch/0.1 (standards monitoring; +{settings.crawl_contact})",
        "HTTPCACHE_ENABLED": settings.crawl_http_cache,
        "HTTPCACHE_DIR": str(settings.data_path / "httpcache"),
        "LOG_LEVEL": settings.log_level,
    }


def database_url(settings: BaseSettings) -> str:
    url = settings.get(DATABASE_URL)
    if not url:
        raise ValueError(
            f"the crawl has no {DATABASE_URL} setting: start it with `stdwatch crawl`, or with "
            f"`scrapy crawl` where crawlers.config.EnvironmentSettings is in ADDONS"
        )
    return str(url)


class EnvironmentSettings:
    """Scrapy add-on: StdWatch settings from the environment for a crawl that was not handed any."""

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        if settings.get(DATABASE_URL) is None:
            settings.setdict(scrapy_settings(Settings()), priority="addon")

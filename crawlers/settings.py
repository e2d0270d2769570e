"""Scrapy settings for every StdWatch spider: polite, identified, retrying, quiet."""

from config.settings import get_settings

_settings = get_settings()

BOT_NAME = "stdwatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Identity and politeness: an honest User-Agent with a contact, robots.txt obeyed where the site has one.
USER_AGENT = f"StdWatch/0.1 (standards monitoring; +{_settings.crawl_contact})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0  # per spider from config/sources.toml (spider attribute download_delay)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30

# Retries with backoff on server errors and timeouts.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# HTTP cache for development (STDWATCH_CRAWL_HTTP_CACHE=true).
HTTPCACHE_ENABLED = _settings.crawl_http_cache
HTTPCACHE_DIR = str(_settings.data_path / "httpcache")

DOWNLOADER_MIDDLEWARES = {"crawlers.middlewares.BlockDetectionMiddleware": 590}
ITEM_PIPELINES = {"crawlers.pipelines.StorePipeline": 300}
EXTENSIONS = {"crawlers.extensions.CrawlRunRecorder": 500, "scrapy.extensions.telnet.TelnetConsole": None}

LOG_LEVEL = "WARNING"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

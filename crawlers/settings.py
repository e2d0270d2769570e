"""Scrapy settings for every StdWatch spider: polite, identified, retrying, quiet.

What comes from StdWatch's Settings (User-Agent contact, HTTP cache, the store's URL, the ePing key, log
level) is not here: the runner hands it over per crawl (crawlers/config.py), so crawls never share it.
"""

BOT_NAME = "stdwatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Fills in StdWatch's settings from the environment only for a crawl started without them (`scrapy crawl`).
ADDONS = {"crawlers.config.EnvironmentSettings": 0}

# Politeness: robots.txt obeyed where the site has one; the User-Agent names a contact (crawlers/config.py).
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0  # per source from config/sources.toml (StdWatchSpider.update_settings)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30

# Retries with backoff on server errors and timeouts.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Block detection reads responses after HttpCompressionMiddleware (590) has decompressed them.
DOWNLOADER_MIDDLEWARES = {"crawlers.middlewares.BlockDetectionMiddleware": 585}
SPIDER_MIDDLEWARES = {"crawlers.middlewares.ParseErrorQuarantine": 950}
ITEM_PIPELINES = {"crawlers.pipelines.StorePipeline": 300}
EXTENSIONS = {"crawlers.extensions.CrawlRunRecorder": 500, "scrapy.extensions.telnet.TelnetConsole": None}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

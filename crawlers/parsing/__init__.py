"""Pure functions from a response body to record fields; no Scrapy, no I/O: each is tested on real samples."""

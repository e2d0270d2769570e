"""Pure functions from a response body to record fields; no Scrapy, no I/O, so each is tested on real samples."""

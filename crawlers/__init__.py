"""Scrapy spiders for the standards and TBT sources. They write records to stdwatch's store of record (the
pipeline validates, merges and versions them); indexing follows from the store's queue, so nothing here
imports search/. crawlers.runner starts a crawl with an explicit Settings object."""

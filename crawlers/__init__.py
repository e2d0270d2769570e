"""Scrapy spiders for the standards and TBT sources (issues 4 and 5). They hand records to stdwatch's store of
record through search.ingest, the same path `stdwatch load` takes."""

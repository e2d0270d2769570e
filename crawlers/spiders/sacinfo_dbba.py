"""dbba.sacinfo.org.cn: local standards filed for record (地方标准备案); same software as hbba. Which
provinces and cities to follow (DB35 Fujian, DB3502 Xiamen by default) is `keys` in config/sources.toml."""

from __future__ import annotations

from crawlers.spiders.sacinfo_hbba import SacinfoHbbaSpider


class SacinfoDbbaSpider(SacinfoHbbaSpider):
    name = "sacinfo_dbba"

"""Per-source crawl settings from config/sources.toml."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any

from config.settings import CONFIG_DIR


@lru_cache(maxsize=1)
def sources() -> dict[str, dict[str, Any]]:
    with (CONFIG_DIR / "sources.toml").open("rb") as handle:
        return tomllib.load(handle)


def source(name: str) -> dict[str, Any]:
    return sources().get(name, {})

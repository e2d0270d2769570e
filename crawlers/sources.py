"""The one registry of crawl sources: config/sources.toml, one table per spider.

The tables' order is the merge order (a later source wins where two state a value for one document), so the
list of spiders, their settings and their precedence cannot drift apart. An unknown name is an error, never a
default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from config.settings import CONFIG_DIR

SOURCES_FILE = CONFIG_DIR / "sources.toml"


class UnknownSourceError(ValueError):
    """A spider name that config/sources.toml does not list."""


class SourceConfigError(ValueError):
    """config/sources.toml lacks something every source needs."""


@dataclass(frozen=True)
class Source:
    name: str
    rank: int  # position in the merge order: lower is applied first
    base_url: str
    download_delay: float
    options: Mapping[str, Any]  # the whole table: page_size, keys, schedule, ... as each spider reads them


@dataclass(frozen=True)
class Registry:
    sources: Mapping[str, Source]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.sources)

    def get(self, name: str) -> Source:
        try:
            return self.sources[name]
        except KeyError:
            raise UnknownSourceError(f"unknown spider {name!r}; known: {', '.join(self.names)}") from None


def _source(name: str, rank: int, table: Any, path: Path) -> Source:
    if not isinstance(table, dict):
        raise SourceConfigError(f"{path}: {name} must be a table ([{name}]), not a plain value")
    base_url, delay = table.get("base_url"), table.get("download_delay")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise SourceConfigError(f"{path}: [{name}] base_url must be an http(s) URL, got {base_url!r}")
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise SourceConfigError(f"{path}: [{name}] download_delay must be a number of seconds, got {delay!r}")
    return Source(name, rank, base_url, float(delay), MappingProxyType(table))


def load_registry(path: Path) -> Registry:
    """Read and check a sources file; every problem names the file and the source."""
    with path.open("rb") as handle:
        tables = tomllib.load(handle)
    return Registry(
        {name: _source(name, rank, table, path) for rank, (name, table) in enumerate(tables.items())}
    )


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The project's registry (a config file shipped with the code, read once)."""
    return load_registry(SOURCES_FILE)


def source(name: str) -> Source:
    return registry().get(name)


def spider_names() -> tuple[str, ...]:
    return registry().names

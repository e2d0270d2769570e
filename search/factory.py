"""Build the configured analyzer and search backend from settings."""

from __future__ import annotations

from config.settings import Settings
from search.analysis import Analyzer, get_analyzer
from search.base import SearchBackend


def analyzer_for(settings: Settings) -> Analyzer:
    return get_analyzer(settings.user_dict_path, settings.synonyms_path, settings.segmenter)


def backend_for(settings: Settings) -> SearchBackend:
    """The search backend named by STDWATCH_SEARCH_BACKEND."""
    if settings.search_backend == "sqlite":
        from search.backends.sqlite_fts5 import SqliteFts5Backend

        return SqliteFts5Backend(settings.resolved_index_path, analyzer_for(settings))
    if settings.search_backend == "elasticsearch":
        from search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(
            settings.es_url, analyzer_for(settings), settings.es_index, settings.es_bulk_size
        )
    raise ValueError(f"unknown search backend {settings.search_backend!r}")

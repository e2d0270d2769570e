"""Build the configured analyzer and search backend from settings."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from search.analysis import Analyzer, get_analyzer
from search.base import SearchBackend


def analyzer_for(settings: Settings) -> Analyzer:
    return get_analyzer(settings.user_dict_path, settings.synonyms_path, settings.segmenter)


def es_urls(settings: Settings) -> list[str]:
    """STDWATCH_ES_URL: one node, or a cluster's nodes comma-separated."""
    urls = list(dict.fromkeys(u.strip().rstrip("/") for u in settings.es_url.split(",") if u.strip()))
    if not urls:
        raise ValueError("STDWATCH_ES_URL: no Elasticsearch URL given")
    return urls


def es_client_options(settings: Settings) -> dict[str, Any]:
    """Auth and TLS keywords of the Elasticsearch client; the secrets come from the environment only."""
    if settings.es_api_key and settings.es_username:
        raise ValueError("STDWATCH_ES_API_KEY and STDWATCH_ES_USERNAME: set one way to sign in, not both")
    if settings.es_password and not settings.es_username:
        raise ValueError("STDWATCH_ES_PASSWORD: set STDWATCH_ES_USERNAME too")
    options: dict[str, Any] = {}
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key.get_secret_value()
    if settings.es_username:
        password = settings.es_password.get_secret_value() if settings.es_password else ""
        options["basic_auth"] = (settings.es_username, password)
    if settings.es_ca_file:
        ca = settings.es_ca_file.expanduser()
        if not ca.is_file():
            raise ValueError(f"STDWATCH_ES_CA_FILE: {ca}: no such file")
        options["ca_certs"] = str(ca)
    return options


def backend_for(settings: Settings) -> SearchBackend:
    """The search backend named by STDWATCH_SEARCH_BACKEND."""
    if settings.search_backend == "sqlite":
        from search.backends.sqlite_fts5 import SqliteFts5Backend

        return SqliteFts5Backend(
            settings.resolved_index_path, analyzer_for(settings), count_bound=settings.search_count_bound
        )
    if settings.search_backend == "elasticsearch":
        from search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(
            es_urls(settings),
            analyzer_for(settings),
            settings.es_index,
            settings.es_bulk_size,
            shards=settings.es_shards,
            replicas=settings.es_replicas,
            client_options=es_client_options(settings),
            count_bound=settings.search_count_bound,
        )
    raise ValueError(f"unknown search backend {settings.search_backend!r}")

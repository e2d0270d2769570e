"""The composition root: the store of record, the search backend and the ingest flow (with the alert matcher
listening), built once from settings and shared by the API, the CLI and the scheduler (they call it; it never
imports them)."""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import Settings
from search.base import SearchBackend
from search.factory import backend_for
from search.ingest import IngestFlow
from stdwatch.store import DocumentRepository, create_engine_for, migrate


@dataclass
class Services:
    settings: Settings
    repo: DocumentRepository
    backend: SearchBackend
    flow: IngestFlow

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        engine = create_engine_for(settings.resolved_database_url)
        migrate(engine)
        repo = DocumentRepository(engine)
        backend = backend_for(settings)
        services = cls(settings, repo, backend, IngestFlow(settings, repo, backend))
        from alerts.matcher import AlertMatcher

        services.flow.listeners.append(AlertMatcher(services))
        return services

    def close(self) -> None:
        self.flow.close()  # analysis worker processes a large sync started (search.parallel)
        self.backend.close()
        self.repo.engine.dispose()

"""The services a request needs, built once per app and handed to handlers as Annotated dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from config.settings import Settings
from search.analysis import Analyzer
from search.base import SearchBackend
from search.factory import analyzer_for, backend_for
from stdwatch.store import DocumentRepository, create_engine_for, migrate


@dataclass
class Services:
    settings: Settings
    repo: DocumentRepository
    backend: SearchBackend
    analyzer: Analyzer

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        engine = create_engine_for(settings.resolved_database_url)
        migrate(engine)
        return cls(settings, DocumentRepository(engine), backend_for(settings), analyzer_for(settings))

    def close(self) -> None:
        self.backend.close()
        self.repo.engine.dispose()


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]

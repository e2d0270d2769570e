"""The FastAPI application: search, documents, health. OpenAPI docs at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api.accounts.router import router as accounts_router
from api.auth import search_access
from api.check.router import router as check_router
from api.crawls.router import router as crawls_router
from api.deps import Services, ServicesDep
from api.documents.router import router as documents_router
from api.errors import install_error_handlers
from api.jobs.router import router as jobs_router
from api.search.router import router as search_router
from api.studies.router import router as studies_router
from api.subscriptions.router import router as subscriptions_router
from api.warnings.router import router as warnings_router
from api.web import install_web
from config.settings import Settings, get_settings


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app; pass `services` to share already-open ones (tests, the demo)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or Services.from_settings(settings)
        yield
        if owned:
            app.state.services.close()

    app = FastAPI(
        title="StdWatch",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by api.web.docs with local assets
        redoc_url=None,
        description="Standards database (PRC, Taiwan-region CNS, Singapore SS) and WTO/TBT notifications.",
    )
    install_error_handlers(app)
    app.include_router(search_router, dependencies=[Depends(search_access)])
    app.include_router(documents_router, dependencies=[Depends(search_access)])
    app.include_router(crawls_router)
    app.include_router(accounts_router)
    app.include_router(subscriptions_router)
    app.include_router(jobs_router)
    app.include_router(warnings_router, dependencies=[Depends(search_access)])
    app.include_router(check_router, dependencies=[Depends(search_access)])
    install_web(app, settings)
    app.include_router(studies_router)

    @app.get("/api/ping", tags=["health"])
    def ping() -> dict[str, str]:
        """Liveness only, no store or engine work (the API bench's anchor for the framework's own cost)."""
        return {"status": "ok"}

    @app.get("/api/health", tags=["health"])
    def health(services: ServicesDep) -> dict[str, object]:
        """Is the service up, and how far is the index behind the store of record?"""
        return {
            "status": "ok",
            "backend": services.backend.name,
            "documents": services.repo.count(),
            "indexed": services.backend.count(),
            "pending_index": services.repo.pending_count(),
        }

    return app

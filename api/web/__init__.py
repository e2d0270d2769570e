"""The web interface: server-rendered pages (Jinja2, zh/en) on the same services as the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import (
    check_page,
    document_page,
    search_page,
    studies_pages,
    study_editor,
    subscription_pages,
    warnings_page,
)
from api.web.docs import install_docs
from api.web.email_links import EmailLinksToPages
from api.web.session import WebKeys
from config.settings import Settings

STATIC = Path(__file__).parent / "static"


def install_web(app: FastAPI, settings: Settings) -> None:
    """Mount the pages, our static files and the locally served API docs."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    app.state.web_keys = WebKeys.from_setting(secret)
    install_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    pages = (search_page, document_page, warnings_page, subscription_pages, check_page)
    for module in (*pages, studies_pages, study_editor):
        app.include_router(module.router)
    app.add_middleware(EmailLinksToPages)

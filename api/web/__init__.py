"""The web interface: server-rendered pages (Jinja2, zh/en) on the same services as the JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import check_page, document_page, search_page, subscription_pages, warnings_page
from api.web.docs import install_docs
from api.web.email_links import EmailLinksToPages
from api.web.session import WebKeys
from config.settings import Settings

STATIC = Path(__file__).parent / "static"

# TODO(lead): studies pages (list and search, study page with the comparison table and counts, the curator
# editor with workflow buttons, export) once helper E's studies API lands: a studies_page module here with
# templates studies.html / study.html, calling the same service functions as its JSON routes, and a nav entry
# in templates/base.html. The document page has a "comparison studies citing this document" section waiting
# for it (templates/document.html).


def install_web(app: FastAPI, settings: Settings) -> None:
    """Mount the pages, our static files and the locally served API docs."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    app.state.web_keys = WebKeys.from_setting(secret)
    install_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (search_page, document_page, warnings_page, subscription_pages, check_page):
        app.include_router(module.router)
    app.add_middleware(EmailLinksToPages)

"""`/warnings`: the early-warning board, as GET /api/warnings answers it (api.warnings.service)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from alerts.profiles import default_profiles
from api.warnings.router import member_code, profile_named
from api.warnings.service import open_for_comments, today_for
from api.web.render import current_user, error_page, page, services_of

router = APIRouter(include_in_schema=False)


@router.get("/warnings", response_class=HTMLResponse)
def warnings_page(request: Request, profile: str = "", member: str = "") -> HTMLResponse:
    services = services_of(request)
    if current_user(request) is None and not services.settings.search_open:
        return error_page(
            request, 401, "the board is closed to anonymous readers on this server: sign in first"
        )
    try:
        board = open_for_comments(services, today_for(services), profile_named(profile), member_code(member))
    except HTTPException as exc:
        return error_page(request, exc.status_code, str(exc.detail))
    return page(
        request,
        "warnings.html",
        {
            "board": board,
            "profiles": list(default_profiles().values()),
            "profile": profile,
            "member": member.strip().upper(),
        },
    )

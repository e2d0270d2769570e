"""The services a request needs, built once per app and handed to handlers as Annotated dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from alerts.services import Services


async def get_services(request: Request) -> Services:  # async: no I/O, so no thread-pool hop per request
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

__all__ = ["Services", "ServicesDep", "get_services"]

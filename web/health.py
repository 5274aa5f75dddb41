"""Health endpoints for a load balancer or monitoring, without signing in and without personal
data: `/health/live` (the process answers) and `/health/ready` (200 when every check passes,
503 with the failing ones otherwise). What is checked is app's business (app/health.py,
the same figures as `leertraject status`); here it is only served, as JSON."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger("leertraject.web.health")
# Returns {"ready": bool, "failing": [names], "checks": {name: {...}}}; may block (database).
Readiness = Callable[[], dict[str, Any]]


def health_routes(readiness: Readiness | None) -> list[Route]:
    async def live(request: Request) -> Response:
        return JSONResponse({"status": "live"})

    async def ready(request: Request) -> Response:
        if readiness is None:  # a console without the service around it (tests, tools)
            return JSONResponse({"status": "ready", "failing": [], "checks": {}})
        try:
            result = await run_in_threadpool(readiness)
        except Exception as exc:  # a bug in a check must not look like "ready"
            log.exception("the readiness check raised")
            result = {"ready": False, "failing": ["health"], "checks": {"health": _error(exc)}}
        body = {
            "status": "ready" if result["ready"] else "not ready",
            "failing": result["failing"],
            "checks": result["checks"],
        }
        return JSONResponse(body, status_code=200 if result["ready"] else 503)

    return [
        Route("/health/live", live, methods=["GET", "HEAD"], name="health_live"),
        Route("/health/ready", ready, methods=["GET", "HEAD"], name="health_ready"),
    ]


def _error(exc: Exception) -> dict[str, Any]:
    return {"ok": False, "error": type(exc).__name__}

"""Pages from Jinja2 templates, every text through the gettext catalogs (core/i18n.py)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from core import i18n
from core.clock import format_local

LANGUAGE_COOKIE = "lt_lang"


@cache
def templates() -> Environment:
    environment = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = _when
    return environment


def language(request: Request) -> str:
    return "en" if request.cookies.get(LANGUAGE_COOKIE) == "en" else i18n.FALLBACK


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)

    def t(key: str, **params: Any) -> str:
        return i18n.t(key, lang, **params)

    body = templates().get_template(name).render(t=t, lang=lang, path=request.url.path, **context)
    return HTMLResponse(body, status_code=status)


def _when(moment: datetime | None) -> str:
    return format_local(moment) if moment else ""

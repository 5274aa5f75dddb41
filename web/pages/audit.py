"""The audit log: every change, newest first, with who (the staff member by name), when,
through which channel, what and on what; filtered by the kind of action."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.i18n import has, t
from core.model import AuditEntry
from core.staff import Permission, StaffUnitOfWork
from web.console import Console, Table
from web.download import FORMATS, download
from web.guard import Signed, db, staff_only
from web.pages.registrations import action_label, who_is
from web.render import language, page

LIMIT = 500
GROUPS = ("registration", "registrations", "invitations", "contact", "staff", "outbox", "mail",
          "assignment")  # fmt: skip


def label(code: str, lang: str) -> str:
    """What the action was, in words; never the action's code."""
    key = f"web.audit.{code}"
    return t(key, lang) if has(key) else action_label(code, lang)


def _entries(
    uow: StaffUnitOfWork, action: str, lang: str
) -> tuple[list[AuditEntry], dict[str, str]]:
    entries = uow.audit.list(action, LIMIT)
    return entries, {e.actor: who_is(uow, e.actor, lang) for e in entries}


def _channel(channel: str, lang: str) -> str:
    key = f"web.channel.{channel}"
    return t(key, lang) if has(key) else channel


def _data(entry: AuditEntry, lang: str) -> str:
    """The entry's details in words: known keys by their name, a role by its name."""
    shown = []
    for key, value in sorted(entry.data.items()):
        name = f"web.audit.data.{key}"
        role = f"staff.role.{value}"
        word = t(role, lang) if key == "role" and has(role) else value
        shown.append(f"{t(name, lang) if has(name) else key}: {word}")
    return ", ".join(shown)[:300]


def routes(console: Console) -> list[Route]:
    @staff_only(console, Permission.READ)
    async def index(request: Request, signed: Signed) -> Response:
        lang = language(request)
        wanted = request.query_params.get("action", "")
        action = f"{wanted}." if wanted in GROUPS else ""
        entries, who = await db(console, lambda uow: _entries(uow, action, lang))
        return page(
            request,
            "audit.html",
            signed=signed,
            entries=entries,
            who=who,
            wanted=action[:-1],
            groups=GROUPS,
            data=lambda entry: _data(entry, lang),
            label=lambda code: label(code, lang),
            query=request.url.query,
            channel=lambda c: _channel(c, lang),
        )

    @staff_only(console, Permission.READ)
    async def export(request: Request, signed: Signed) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        lang = language(request)
        wanted = request.query_params.get("action", "")
        action = f"{wanted}." if wanted in GROUPS else ""

        def table(uow: StaffUnitOfWork) -> Table:
            entries, who = _entries(uow, action, lang)
            columns = ("when", "who", "channel", "what", "subject", "details")
            header = [t(f"web.column.{c}", lang) for c in columns]
            rows: list[list[Any]] = [
                [e.at, who[e.actor], _channel(e.channel, lang), label(e.action, lang), e.subject,
                 _data(e, lang)]
                for e in entries
            ]  # fmt: skip
            return header, rows

        title = t("web.nav.audit", lang)
        return await download(console, signed, fmt, "audit", "auditlog", title, table)

    return [
        Route("/audit", index, methods=["GET"]),
        Route("/audit.{fmt}", export, methods=["GET"]),
    ]

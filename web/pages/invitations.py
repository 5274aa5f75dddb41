"""Invitations: the CSV of invited officials uploaded (the rules of `leertraject invitations
import`: line-numbered errors, good rows imported), where each municipality stands (invited,
invitation sent, registered, reminded, bounced), and queueing the invitation e-mails (what
`invitations send` does: each contact gets one invitation, pressing twice queues nothing more;
the outbox sends them at its own pace). Changes are for editors and admins."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.i18n import t
from core.invitations import (
    ImportOutcome,
    RowError,
    decode_csv,
    import_invitations,
    invitation_overview,
    parse_csv,
    send_invitations,
)
from core.staff import Permission, StaffUnitOfWork
from core.usecases.staff import web_actor
from web.console import Console, Table
from web.download import FORMATS, download
from web.guard import Signed, db, form, staff_only
from web.render import language, page

UPLOAD_LIMIT = 1024 * 1024  # a CSV of every Flemish municipality's officials is far smaller
COLUMNS = ("municipality", "province", "invited", "sent", "registration", "status", "reminded")


def routes(console: Console) -> list[Route]:
    env = console.env

    async def _show(
        request: Request,
        signed: Signed,
        status: int = 200,
        imported: ImportOutcome | None = None,
        errors: list[RowError] | None = None,
        queued: int | None = None,
    ) -> Response:
        lang = language(request)
        rows = await db(console, lambda uow: invitation_overview(uow, env))
        lines = [
            t("web.invitations.error_line", lang, line=e.line, field=_field(e.field, lang),
              message=e.message(lang))
            for e in errors or []
        ]  # fmt: skip
        return page(
            request,
            "invitations.html",
            status,
            signed=signed,
            rows=rows,
            imported=imported,
            lines=lines,
            queued=queued,
            can_change=signed.can(Permission.CHANGE_REGISTRATIONS),
        )

    @staff_only(console, Permission.READ)
    async def index(request: Request, signed: Signed) -> Response:
        return await _show(request, signed)

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def upload(request: Request, signed: Signed) -> Response:
        posted = await form(request)  # read (and checked for its token) by staff_only
        chosen = posted.get("file")
        if not isinstance(chosen, UploadFile):
            return await _show(request, signed, 400, errors=[RowError(1, "file", "csv.empty")])
        parsed = parse_csv(decode_csv(await chosen.read(UPLOAD_LIMIT)), env.form_context)
        actor = web_actor(signed.member)
        outcome = await db(console, lambda uow: import_invitations(uow, env, parsed.rows, actor))
        status = 400 if parsed.errors and not parsed.rows else 200
        return await _show(request, signed, status, imported=outcome, errors=parsed.errors)

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def send(request: Request, signed: Signed) -> Response:
        actor = web_actor(signed.member)
        queued = await db(console, lambda uow: send_invitations(uow, env, actor))
        return await _show(request, signed, queued=queued)

    @staff_only(console, Permission.READ)
    async def export(request: Request, signed: Signed) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        lang = language(request)

        def table(uow: StaffUnitOfWork) -> Table:
            rows: list[list[Any]] = [
                [
                    r.name,
                    r.province,
                    r.invited,
                    r.sent,
                    r.reference or "",
                    t(f"web.status.{r.status}", lang) if r.status else "",
                    r.reminded,
                    r.bounced,
                ]
                for r in invitation_overview(uow, env)
            ]
            header = [t(f"web.invitations.{c}", lang) for c in (*COLUMNS, "bounced")]
            return header, rows

        title = t("web.nav.invitations", lang)
        return await download(console, signed, fmt, "invitations", "uitnodigingen", title, table)

    return [
        Route("/invitations", index, methods=["GET"]),
        Route("/invitations.{fmt}", export, methods=["GET"]),
        Route("/invitations/import", upload, methods=["POST"]),
        Route("/invitations/send", send, methods=["POST"]),
    ]


def _field(name: str, lang: str) -> str:
    key = f"web.invitations.field.{name}"
    return t(key, lang) if name in ("municipality", "name", "email", "language") else name

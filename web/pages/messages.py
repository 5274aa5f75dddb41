"""Messages: what became of every inbound e-mail and chat update (filterable), the quarantine
with a retry (what `leertraject mail retry` does), and the outbox with its failures and a
retry per message (what `outbox retry` does). Retries are for editors and admins, audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.audit import log_action
from core.export import word
from core.i18n import t
from core.model import Channel, InboundRecord, OutboxMessage, OutboxStatus
from core.staff import Permission, StaffUnitOfWork
from core.usecases.messages import requeue
from core.usecases.staff import web_actor
from web.console import Console, Table
from web.download import FORMATS, download
from web.guard import Signed, db, staff_only
from web.render import language, page

OUTCOMES = ("accepted", "updated", "needs_verification", "rejected", "ignored", "bounce",
            "duplicate", "quarantined")  # fmt: skip
OUTBOX = ("queued", "sending", "sent", "failed", "bounced")
CHANNELS = (Channel.EMAIL.value, Channel.TELEGRAM.value)
LIMIT = 200


@dataclass
class Filters:
    channel: str
    outcome: str
    box: str  # the outbox status shown; "" is failed and bounced


def _filters(request: Request) -> Filters:
    params = request.query_params
    channel, outcome, box = (
        params.get("channel", ""),
        params.get("outcome", ""),
        params.get("box", ""),
    )
    return Filters(
        channel if channel in CHANNELS else "",
        outcome if outcome in OUTCOMES else "",
        box if box in OUTBOX else "",
    )


def inbound(uow: StaffUnitOfWork, wanted: Filters) -> list[InboundRecord]:
    channel = Channel(wanted.channel) if wanted.channel else None
    return uow.inbound.list(channel, wanted.outcome or None, LIMIT)


def outbox(uow: StaffUnitOfWork, wanted: Filters) -> list[OutboxMessage]:
    if wanted.box:
        return uow.outbox.list(OutboxStatus(wanted.box), LIMIT)
    failed = uow.outbox.list(OutboxStatus.FAILED, LIMIT) + uow.outbox.list(
        OutboxStatus.BOUNCED, LIMIT
    )
    return sorted(failed, key=lambda m: -(m.id or 0))


def _reference(record: InboundRecord) -> str:
    found = record.detail.get("registration")
    return found if isinstance(found, str) else ""


def routes(console: Console) -> list[Route]:
    env = console.env

    async def _show(request: Request, signed: Signed, retried: list[str] | None = None) -> Response:
        wanted = _filters(request)

        def work(uow: StaffUnitOfWork) -> tuple[Any, ...]:
            quarantined = sum(len(uow.inbound.quarantined(Channel(c))) for c in CHANNELS)
            return inbound(uow, wanted), outbox(uow, wanted), quarantined

        received, sent, quarantined = await db(console, work)
        lang = language(request)
        return page(
            request,
            "messages.html",
            signed=signed,
            wanted=wanted,
            received=received,
            sent=sent,
            quarantined=quarantined,
            retried=retried,
            outcomes=OUTCOMES,
            boxes=OUTBOX,
            channels=CHANNELS,
            reference=_reference,
            word=lambda kind, value: word(kind, value, lang),
            query=request.url.query,
            can_change=signed.can(Permission.CHANGE_REGISTRATIONS),
        )

    @staff_only(console, Permission.READ)
    async def index(request: Request, signed: Signed) -> Response:
        return await _show(request, signed)

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def retry_quarantine(request: Request, signed: Signed) -> Response:
        outcomes = await run_in_threadpool(console.retry_quarantine)
        actor = web_actor(signed.member)
        await db(
            console,
            lambda uow: log_action(
                uow, env.clock.now(), actor, "mail.retried", "quarantine", count=len(outcomes)
            ),
        )
        return await _show(request, signed, retried=outcomes)

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def retry_outbox(request: Request, signed: Signed) -> Response:
        number = request.path_params["number"]
        actor = web_actor(signed.member)
        done = await db(console, lambda uow: requeue(uow, env, number, actor))
        if not done:
            return page(
                request, "error.html", 409, signed=signed, message="web.messages.not_failed"
            )
        return RedirectResponse("/messages?box=queued", status_code=303)

    @staff_only(console, Permission.READ)
    async def export(request: Request, signed: Signed) -> Response:
        which, fmt = request.path_params["which"], request.path_params["fmt"]
        if fmt not in FORMATS or which not in ("inbound", "outbox"):
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        lang, wanted = language(request), _filters(request)

        def table(uow: StaffUnitOfWork) -> Table:
            def say(name: str) -> str:
                return t(f"web.column.{name}", lang)

            if which == "inbound":
                header = [say(c) for c in ("when", "channel", "outcome", "reference", "error")]
                rows: list[list[Any]] = [
                    [r.received_at, word("channel", r.channel.value, lang),
                     word("outcome", r.outcome, lang), _reference(r), r.error or ""]
                    for r in inbound(uow, wanted)
                ]  # fmt: skip
                return header, rows
            header = [say(c) for c in ("number", "when", "channel", "recipient", "kind", "status",
                                       "attempts", "error")]  # fmt: skip
            rows = [
                [m.id, m.created_at, word("channel", m.channel.value, lang), m.recipient,
                 word("kind", m.kind, lang), word("outbox", m.status, lang), m.attempts,
                 m.last_error or ""]
                for m in outbox(uow, wanted)
            ]  # fmt: skip
            return header, rows

        title = t(f"web.messages.{which}", lang)
        name = "berichten-in" if which == "inbound" else "berichten-uit"
        return await download(console, signed, fmt, which, name, title, table)

    return [
        Route("/messages", index, methods=["GET"]),
        Route("/messages/{which:str}.{fmt:str}", export, methods=["GET"]),
        Route("/messages/quarantine/retry", retry_quarantine, methods=["POST"]),
        Route("/messages/outbox/{number:int}/retry", retry_outbox, methods=["POST"]),
    ]

"""Registrations: the list (search, filter, sort; CSV or XLSX), the versions waiting for
approval, one registration with its full history, and withdrawing it (editors). Withdrawing is
core's use case, the same as the command line's. Approving, refusing, entering and editing are
in web/pages/entry.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.campaign import Env
from core.i18n import has, t
from core.model import Channel, Contact, HistoryEntry, Registration, Status
from core.staff import Permission, StaffUnitOfWork
from core.usecases.approval import pending
from core.usecases.manage import withdraw
from core.usecases.staff import web_actor
from web.console import Console, Table
from web.download import FORMATS, download
from web.guard import Signed, db, forbidden, staff_only
from web.render import language, page

SORTS = ("municipality", "reference", "status", "submitted", "updated")


@dataclass
class Row:
    registration: Registration
    municipality: str
    province: str
    contacts: list[Contact]
    themes: list[tuple[int, str]]


def _row(env: Env, registration: Registration, contacts: list[Contact], lang: str) -> Row:
    found = env.municipalities.get(registration.municipality)
    themes = []
    for number in registration.preferences:
        theme = env.themes.get(number)
        themes.append((number, theme.title(lang) if theme else ""))
    return Row(
        registration,
        found.name if found else registration.municipality,
        found.province if found else "",
        [c for c in contacts if not c.erased],
        themes,
    )


def _matches(row: Row, query: str) -> bool:
    if not query:
        return True
    haystack = [row.registration.reference, row.municipality, row.registration.municipality]
    haystack += [c.name for c in row.contacts] + [c.email for c in row.contacts]
    return any(query in value.casefold() for value in haystack)


def _sort_key(sort: str) -> Any:
    def key(row: Row) -> Any:
        r = row.registration
        if sort == "reference":
            return r.reference
        if sort == "status":
            return (r.status.value, row.municipality.casefold())
        if sort in ("submitted", "updated"):
            moment = r.submitted_at if sort == "submitted" else r.updated_at
            return (moment is None, moment.timestamp() if moment else 0)
        return row.municipality.casefold()

    return key


def listing(
    env: Env, uow: StaffUnitOfWork, lang: str, query: str, status: str, channel: str, sort: str
) -> list[Row]:
    contacts: dict[str, list[Contact]] = {}
    for contact in uow.contacts.list():
        contacts.setdefault(contact.municipality, []).append(contact)
    wanted = Status(status) if status in Status.__members__.values() else None
    rows = [
        _row(env, r, contacts.get(r.municipality, []), lang)
        for r in uow.registrations.list(wanted)
        if not channel or r.channel.value == channel
    ]
    needle = query.strip().casefold()
    return sorted((r for r in rows if _matches(r, needle)), key=_sort_key(sort))


@dataclass
class Waiting:
    """A version that waits for approval: who asked, when, and what they would change."""

    reference: str
    municipality: str
    email: str
    name: str
    at: datetime
    preferences: list[int]


def _waiting(env: Env, uow: StaffUnitOfWork, registration: Registration) -> list[Waiting]:
    found = env.municipalities.get(registration.municipality)
    return [
        Waiting(
            registration.reference,
            found.name if found else registration.municipality,
            v.email,
            str(v.payload.get("contact_name") or ""),
            v.created_at,
            [int(p) for p in v.payload.get("preferences") or []],
        )
        for v in pending(uow, env, registration.municipality)[-1:]
    ]


def waiting(env: Env, uow: StaffUnitOfWork, lang: str) -> list[Waiting]:
    """Every registration with a version waiting for approval (the newest one counts)."""
    return [w for r in uow.registrations.list() for w in _waiting(env, uow, r)]


@dataclass
class Detail:
    row: Row
    history: list[HistoryEntry]
    who: dict[str, str]  # an actor label ("contact:12", "staff:#3") -> what staff read
    waiting: list[Waiting]


def detail(env: Env, uow: StaffUnitOfWork, lang: str, reference: str) -> Detail | None:
    registration = uow.registrations.by_reference(reference.strip().upper()[:20])
    if registration is None or registration.id is None:
        return None
    row = _row(env, registration, uow.contacts.for_municipality(registration.municipality), lang)
    history = uow.history.for_registration(registration.id)
    who = {h.actor: who_is(uow, h.actor, lang) for h in history}
    return Detail(row, history, who, _waiting(env, uow, registration))


def who_is(uow: StaffUnitOfWork, label: str, lang: str) -> str:
    """An actor label ("contact:12", "staff:#3") as staff read it."""
    kind, _, name = label.partition(":")
    if kind == "contact" and name.isdigit():
        contact = uow.contacts.get(int(name))
        if contact is not None and not contact.erased:
            return t("web.actor.contact", lang, name=contact.name)
        return t("web.actor.erased", lang)
    if kind == "staff" and name.startswith("#") and name[1:].isdigit():
        member = uow.staff.get(int(name[1:]))
        return t("web.actor.staff", lang, name=member.name if member else name)
    if kind == "staff":
        return t("web.actor.staff", lang, name=name)
    if kind == "anonymous":
        return t("web.actor.anonymous", lang)
    return t("web.actor.system", lang)


def action_label(code: str, lang: str) -> str:
    key = f"web.history.{code}"
    return t(key if has(key) else "web.history.other", lang)


def _filters(request: Request) -> tuple[str, str, str, str]:
    """Search text, status, channel and sort order of the list, from the query string."""
    params = request.query_params
    channel = params.get("channel", "")
    sort = params.get("sort", "municipality")
    return (
        params.get("q", "")[:200],
        params.get("status", ""),
        channel if channel in Channel.__members__.values() else "",
        sort if sort in SORTS else "municipality",
    )


def routes(console: Console) -> list[Route]:
    env = console.env

    @staff_only(console, Permission.READ)
    async def index(request: Request, signed: Signed) -> Response:
        lang = language(request)
        query, status, channel, sort = _filters(request)
        rows = await db(console, lambda uow: listing(env, uow, lang, query, status, channel, sort))
        return page(
            request,
            "registrations.html",
            signed=signed,
            rows=rows,
            query=query,
            wanted=status,
            channel=channel,
            sort=sort,
            sorts=SORTS,
            statuses=[s.value for s in Status],
            channels=[c.value for c in Channel],
            export=request.url.query,
            pending=await db(console, lambda uow: waiting(env, uow, lang)),
        )

    @staff_only(console, Permission.READ)
    async def export(request: Request, signed: Signed) -> Response:
        lang = language(request)
        query, status, channel, sort = _filters(request)

        def table(uow: StaffUnitOfWork) -> Table:
            chosen = [r.registration for r in listing(env, uow, lang, query, status, channel, sort)]
            return console.registration_table(uow, chosen, lang)

        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        title = t("web.nav.registrations", lang)
        return await download(console, signed, fmt, "registrations", "inschrijvingen", title, table)

    @staff_only(console, Permission.READ)
    async def show(request: Request, signed: Signed) -> Response:
        lang = language(request)
        reference = request.path_params["reference"]
        found = await db(console, lambda uow: detail(env, uow, lang, reference))
        if found is None:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        return page(
            request,
            "registration.html",
            signed=signed,
            row=found.row,
            history=found.history,
            who=found.who,
            action=lambda code: action_label(code, lang),
            can_change=signed.can(Permission.CHANGE_REGISTRATIONS),
            withdrawn=found.row.registration.status is Status.WITHDRAWN,
            waiting=found.waiting,
        )

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def withdraw_one(request: Request, signed: Signed) -> Response:
        reference = request.path_params["reference"][:20]
        actor = web_actor(signed.member)
        outcome = await db(console, lambda uow: withdraw(uow, env, reference, actor))
        if outcome.registration is None:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        if outcome.errors:
            return forbidden(request, signed)
        return RedirectResponse(f"/registrations/{outcome.registration.reference}", 303)

    return [
        Route("/registrations", index, methods=["GET"]),
        Route("/registrations.{fmt}", export, methods=["GET"]),
        Route("/registrations/{reference}", show, methods=["GET"]),
        Route("/registrations/{reference}/withdraw", withdraw_one, methods=["POST"]),
    ]

"""Editors change registrations: approve or refuse a version that waits for approval, enter a
new registration (what came by phone or on paper), edit one. The same use cases as
`leertraject registrations approve|refuse|submit`: core's approval `decide` and `submit`, with
the same validation and messages, one per field."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.form import FORM, FREE_TEXT_MAX, staff_given
from core.i18n import t
from core.model import Channel, Contact, Registration
from core.staff import Permission, StaffUnitOfWork
from core.usecases.approval import decide
from core.usecases.staff import web_actor
from core.usecases.submit import Identity, Outcome, Result, submit
from core.validators import ValidationError
from web.console import Console
from web.guard import Signed, db, field, form, staff_only
from web.render import language, page

KEYS = FORM.keys()


def _entered(registration: Registration, contacts: list[Contact]) -> dict[str, str]:
    """The form filled with what is stored: the first contact, the themes by number."""
    shown = [c for c in contacts if not c.erased]
    contact = shown[0] if shown else None
    return {
        "language": contact.language if contact else "nl",
        "municipality": registration.municipality,
        "contact_name": contact.name if contact else "",
        "contact_function": (contact.function or "") if contact else "",
        "contact_email": contact.email if contact else "",
        "contact_phone": (contact.phone or "") if contact else "",
        "preferences": ",".join(str(p) for p in registration.preferences),
        "beleidsprioriteiten": registration.beleidsprioriteiten or "",
        "realisaties": registration.realisaties or "",
        "acties": registration.acties or "",
    }


def routes(console: Console) -> list[Route]:
    env = console.env

    def _form_page(
        request: Request,
        signed: Signed,
        entered: dict[str, str],
        reference: str | None,
        errors: list[ValidationError],
        status: int = 200,
    ) -> Response:
        lang = language(request)
        messages: dict[str, list[str]] = {}
        for error in errors:
            messages.setdefault(error.field, []).append(error.message(lang))
        fields = [
            {
                "key": f.key,
                "label": f.label(lang),
                "required": f.required,
                "long": f.max_length >= FREE_TEXT_MAX,
                "help": f.help(lang),
            }
            for f in FORM.fields
        ]
        summary = [
            t("web.entry.error_line", lang, field=FORM.get(e.field).label(lang), message=m)
            if e.field in KEYS
            else m
            for e in errors
            for m in [e.message(lang)]
        ]
        return page(
            request,
            "entry.html",
            status,
            signed=signed,
            fields=fields,
            entered=entered,
            reference=reference,
            messages=messages,
            summary=summary,
        )

    async def _registration(reference: str) -> tuple[Registration, list[Contact]] | None:
        def work(uow: StaffUnitOfWork) -> tuple[Registration, list[Contact]] | None:
            found = uow.registrations.by_reference(reference.strip().upper()[:20])
            if found is None:
                return None
            return found, uow.contacts.for_municipality(found.municipality)

        return await db(console, work)

    async def _save(
        request: Request, signed: Signed, reference: str | None, municipality: str | None
    ) -> Response:
        posted = await form(request)
        entered = {k: field(posted, k, FREE_TEXT_MAX + 100) for k in KEYS}
        if municipality is not None:  # an edit never moves a registration elsewhere
            entered["municipality"] = municipality
        identity = Identity(Channel.WEB, staff=web_actor(signed.member).name)
        raw = staff_given(entered)
        outcome: Outcome = await db(console, lambda uow: submit(uow, env, raw, identity))
        if outcome.result is Result.REJECTED or outcome.registration is None:
            return _form_page(request, signed, entered, reference, outcome.errors, 400)
        return RedirectResponse(f"/registrations/{outcome.registration.reference}", 303)

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def new(request: Request, signed: Signed) -> Response:
        if request.method == "POST":
            return await _save(request, signed, None, None)
        return _form_page(request, signed, dict.fromkeys(KEYS, "") | {"language": "nl"}, None, [])

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def edit(request: Request, signed: Signed) -> Response:
        found = await _registration(request.path_params["reference"])
        if found is None:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        registration, contacts = found
        if request.method == "POST":
            return await _save(request, signed, registration.reference, registration.municipality)
        entered = _entered(registration, contacts)
        return _form_page(request, signed, entered, registration.reference, [])

    async def _settle(request: Request, signed: Signed, approve: bool) -> Response:
        reference = request.path_params["reference"][:20]
        actor = web_actor(signed.member)
        decision = await db(console, lambda uow: decide(uow, env, reference, actor, approve))
        if decision.registration is None:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        if decision.errors:  # nothing (or no longer anything) waits for approval
            return page(request, "error.html", 409, signed=signed, message="web.approval.none")
        return RedirectResponse(f"/registrations/{decision.registration.reference}", 303)

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def approve(request: Request, signed: Signed) -> Response:
        return await _settle(request, signed, approve=True)

    @staff_only(console, Permission.CHANGE_REGISTRATIONS)
    async def refuse(request: Request, signed: Signed) -> Response:
        return await _settle(request, signed, approve=False)

    return [
        Route("/registrations/new", new, methods=["GET", "POST"]),
        Route("/registrations/{reference}/edit", edit, methods=["GET", "POST"]),
        Route("/registrations/{reference}/approve", approve, methods=["POST"]),
        Route("/registrations/{reference}/refuse", refuse, methods=["POST"]),
    ]

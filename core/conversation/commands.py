"""The chat's commands, in Dutch and English: /start (with an invitation token), /help,
/status, /wijzig, /annuleer, /themas, /taal, /privacy, /vergeet.

Confirmations (stop, erase) are carried by the button itself ("y:cancel") or typed as the
command's argument ("/vergeet ja"), so they need no state and survive a restart.
"""

from __future__ import annotations

from collections.abc import Callable

from core.clock import format_local
from core.conversation import steps, themes
from core.conversation.confirm import confirm
from core.conversation.model import Button, Keyboard
from core.conversation.turn import Turn, is_no, is_yes
from core.form import FORM
from core.model import Actor, ActorKind, Channel, Contact, Status
from core.texts import LANGUAGES
from core.usecases.drafts import set_field
from core.usecases.manage import erase

# What people type, in either language -> what it does.
COMMANDS = {
    "start": "start",
    "help": "help",
    "hulp": "help",
    "status": "status",
    "wijzig": "edit",
    "wijzigen": "edit",
    "change": "edit",
    "edit": "edit",
    "annuleer": "cancel",
    "stop": "cancel",
    "cancel": "cancel",
    "themas": "themes",
    "themes": "themes",
    "taal": "language",
    "language": "language",
    "privacy": "privacy",
    "vergeet": "forget",
    "forget": "forget",
    "bevestig": "confirm",
    "confirm": "confirm",
}
# The menus Telegram shows, per language: (command, key of its description).
MENU = {
    "nl": ("start", "help", "status", "wijzig", "annuleer", "themas", "taal", "privacy", "vergeet"),
    "en": ("start", "help", "status", "change", "cancel", "themes", "language", "privacy",
           "forget"),
}  # fmt: skip


def run(turn: Turn, command: str, argument: str) -> None:
    action = COMMANDS.get(command.lower())
    if action is None:
        turn.say(turn.t("command.unknown"))
        return
    handlers: dict[str, Callable[[Turn, str], None]] = {
        "start": start,
        "help": help_,
        "status": status,
        "edit": edit,
        "cancel": cancel,
        "themes": list_themes,
        "language": language,
        "privacy": privacy,
        "forget": forget,
        "confirm": confirm,
    }
    handlers[action](turn, argument.strip())


def start(turn: Turn, token: str = "") -> None:
    if turn.env.deadline_passed():
        closed(turn)
        return
    if token:
        if _link_invitation(turn, token):
            return
        turn.say(turn.t("start.bad_link"))
    if turn.draft is not None:
        turn.say(turn.t("start.again"))
        steps.ask(turn)
        return
    registered = _registered(turn)
    if registered:
        status(turn)
        return
    turn.new_draft(_language(turn))
    turn.say(turn.t("start.welcome", **steps.alternative(turn)))
    steps.ask(turn)


def _link_invitation(turn: Turn, token: str) -> bool:
    """The deep link of an invitation: this account becomes that contact's, and what the
    invitation already says is not asked again (nor is a code: the link proves the person)."""
    contact = turn.uow.contacts.by_token(token)
    if contact is None or contact.erased:
        return False
    contact.telegram_user_id = turn.user_id
    contact.telegram_unreachable = False
    turn.uow.contacts.update(contact)
    draft = turn.draft or turn.new_draft(contact.language)
    state = draft.state
    prefilled = {
        "municipality": contact.municipality,
        "contact_name": contact.name,
        "contact_email": contact.email,
        "contact_function": contact.function,
        "contact_phone": contact.phone,
    }
    for key, value in prefilled.items():
        if value:
            draft.values[key] = value
    state.update(
        token=token,
        invited=True,
        prefilled=[k for k, v in prefilled.items() if v],
    )
    for key in ("mode", "editing", "candidates"):
        state.pop(key, None)
    turn.say(turn.t("start.invited", name=contact.name, municipality=turn.municipality_name()))
    steps.already_registered(turn)
    steps.ask(turn)
    return True


def help_(turn: Turn, argument: str = "") -> None:
    lines = [turn.t("help.intro")]
    if turn.draft is not None:
        lines.append(steps.route(turn).help(turn))
    lines.append(turn.t("help.commands"))
    lines.append(turn.t("help.email", **steps.alternative(turn)))
    turn.say("\n\n".join(lines))


def status(turn: Turn, argument: str = "") -> None:
    lines = []
    for contact in turn.contacts():
        registration = turn.uow.registrations.get(contact.municipality)
        name = turn.env.municipality_name(contact.municipality)
        if registration is None:
            lines.append(turn.t("status.none", municipality=name))
            continue
        titles = turn.env.themes.titles(registration.preferences, turn.language)
        lines.append(
            turn.t(
                f"status.{registration.status.value}",
                municipality=name,
                reference=registration.reference,
                preferences="\n".join(f"{i}. {t}" for i, t in enumerate(titles, 1)),
            )
        )
    if turn.draft is not None:
        at = steps.position(turn.draft)
        lines.append(turn.t("status.in_progress", step=_step_name(turn, at)))
    if not lines:
        lines.append(turn.t("status.nothing"))
    deadline = steps_deadline(turn)
    key = "status.closed" if turn.env.deadline_passed() else "status.deadline"
    lines.append(turn.t(key, deadline=deadline))
    keyboard: Keyboard = ()
    if _registered(turn) and turn.draft is None and not turn.env.deadline_passed():
        keyboard = ((Button(turn.t("button.edit"), "go:edit"),),)
    turn.say("\n\n".join(lines), keyboard)


def edit(turn: Turn, argument: str = "") -> None:
    """/wijzig: the registration as it stands, as a summary to change until the deadline."""
    if turn.env.deadline_passed():
        closed(turn)
        return
    if turn.draft is not None:
        steps.ask(turn)
        return
    contact = _registered(turn)
    if contact is None:
        turn.say(turn.t("edit.nothing"))
        return
    registration = turn.uow.registrations.get(contact.municipality)
    assert registration is not None
    draft = turn.new_draft(contact.language)
    draft.values.update(
        municipality=contact.municipality,
        contact_name=contact.name,
        contact_email=contact.email,
        preferences=list(registration.preferences),
    )
    optional = {
        "contact_function": contact.function,
        "contact_phone": contact.phone,
        "beleidsprioriteiten": registration.beleidsprioriteiten,
        "realisaties": registration.realisaties,
        "acties": registration.acties,
    }
    for key, value in optional.items():
        if value:
            draft.values[key] = value
        elif not FORM.get(key).required:
            draft.skipped.append(key)
    draft.state["invited"] = contact.invited
    steps.ask(turn)


def cancel(turn: Turn, argument: str = "") -> None:
    if turn.draft is None:
        turn.say(turn.t("cancel.nothing"))
        return
    if is_yes(argument):
        confirmed(turn, "cancel", True)
        return
    turn.state["confirm"] = "cancel"
    turn.say(turn.t("cancel.ask"), _yes_no(turn, "cancel"))


def forget(turn: Turn, argument: str = "") -> None:
    if is_yes(argument):
        confirmed(turn, "forget", True)
        return
    if turn.draft is not None:
        turn.state["confirm"] = "forget"
    turn.say(turn.t("forget.ask"), _yes_no(turn, "forget"))


def confirmed(turn: Turn, what: str, yes: bool) -> None:
    """The answer to "are you sure?", tapped or typed."""
    if turn.draft is not None:
        turn.state.pop("confirm", None)
    if not yes:
        turn.edit(turn.t(f"{what}.kept"))
        if turn.draft is not None:
            steps.ask(turn)
        return
    if what == "cancel":
        turn.drop_draft()
        turn.edit(turn.t("cancel.done"))
        return
    email = str(turn.values.get("contact_email") or "") if turn.draft is not None else ""
    for contact in turn.contacts():
        actor = Actor(ActorKind.CONTACT, Channel.TELEGRAM, contact_id=contact.id)
        erase(turn.uow, turn.env, actor, email=contact.email)
    if email:
        turn.uow.verifications.delete_for_email(email.lower())
    turn.drop_draft()
    turn.edit(turn.t("forget.done"))


def list_themes(turn: Turn, argument: str = "") -> None:
    themes.describe(turn)


def language(turn: Turn, argument: str = "") -> None:
    code = argument.strip().lower()[:2]
    if code in LANGUAGES:
        set_language(turn, code)
        return
    keyboard = ((Button("Nederlands", "lang:nl"), Button("English", "lang:en")),)
    turn.say(turn.t("language.ask"), keyboard)


def set_language(turn: Turn, code: str) -> None:
    if turn.draft is not None:
        set_field(turn.draft, turn.env, "language", code)
    for contact in turn.contacts():
        contact.language = code
        turn.uow.contacts.update(contact)
    if turn.draft is None:
        turn.language_code = code
    turn.edit(turn.t("language.set"))
    if turn.draft is not None:
        steps.ask(turn)


def privacy(turn: Turn, argument: str = "") -> None:
    turn.say(turn.t("privacy", **steps.alternative(turn)))


def closed(turn: Turn) -> None:
    turn.say(turn.t("closed", deadline=steps_deadline(turn)))


def steps_deadline(turn: Turn) -> str:
    return format_local(turn.env.campaign.deadline)


def answer_confirmation(turn: Turn, typed: str) -> bool:
    """A typed yes or no while "are you sure?" is open; False if it was something else."""
    what = turn.state.get("confirm") if turn.draft is not None else None
    if what is None:
        return False
    if is_yes(typed) or is_no(typed):
        confirmed(turn, str(what), is_yes(typed))
        return True
    turn.state.pop("confirm", None)
    return False


def _yes_no(turn: Turn, what: str) -> Keyboard:
    return (
        (
            Button(turn.t(f"button.{what}_yes"), f"y:{what}"),
            Button(turn.t(f"button.{what}_no"), f"n:{what}"),
        ),
    )


def _registered(turn: Turn) -> Contact | None:
    """The linked, trusted contact whose municipality has a submitted registration."""
    for contact in turn.contacts():
        registration = turn.uow.registrations.get(contact.municipality)
        if contact.trusted and registration and registration.status is Status.SUBMITTED:
            return contact
    return None


def _language(turn: Turn) -> str:
    return turn.language


def _step_name(turn: Turn, at: str) -> str:
    if at in steps.FIELD_KEYS:
        return FORM.get(at).label(turn.language)
    return turn.t(f"step.{at}")

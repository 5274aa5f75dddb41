"""Staff accounts and signing in to the console: add, remove, reset, sign in, sign out.

Every change is audited with who did it. A sign-in link is valid for 24 hours and once; a
session for `session_hours`. Failed sign-ins are counted per account and per address: past the
limit the answer is "too many attempts" whatever the password, until the window has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.audit import log_action
from core.campaign import Env
from core.model import Actor, ActorKind, Channel
from core.staff import (
    Hasher,
    Role,
    StaffMember,
    StaffSession,
    StaffUnitOfWork,
    digest,
    new_secret,
)
from core.validators import Kind, ValidationError, clean

LINK_VALID = timedelta(hours=24)
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class SignInLimits:
    window: timedelta = timedelta(minutes=15)
    per_account: int = 5
    per_address: int = 20
    session_hours: float = 12


@dataclass
class StaffOutcome:
    member: StaffMember | None = None
    link_token: str | None = None  # shown once: only its digest is kept
    errors: list[ValidationError] = field(default_factory=list)


def web_actor(member: StaffMember) -> Actor:
    """A staff member in the console, by id: audit rows read "staff:#<id>" on channel web."""
    return Actor(ActorKind.STAFF, Channel.WEB, name=f"#{member.id}")


def normalise_email(env: Env, raw: str) -> tuple[str | None, list[ValidationError]]:
    value, errors = clean(Kind.EMAIL, "email", raw, env.form_context, True, 254)
    return (str(value).lower() if value else None), errors


def check_password(password: str) -> list[ValidationError]:
    if len(password) < MIN_PASSWORD:
        return [ValidationError("staff.password_short", "password", {"min": MIN_PASSWORD})]
    if len(password) > MAX_PASSWORD:
        return [ValidationError("staff.password_long", "password", {"max": MAX_PASSWORD})]
    return []


def add_member(
    uow: StaffUnitOfWork,
    env: Env,
    actor: Actor,
    hasher: Hasher,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
) -> StaffOutcome:
    address, errors = normalise_email(env, email)
    name = " ".join(name.split())
    if not name:
        errors.append(ValidationError("required", "name"))
    if password is not None:
        errors.extend(check_password(password))
    if errors or address is None:
        return StaffOutcome(errors=errors)
    if uow.staff.by_email(address) is not None:
        return StaffOutcome(errors=[ValidationError("staff.exists", "email", {"email": address})])
    now = env.clock.now()
    member = StaffMember(address, name[:200], role, now)
    token = None
    if password is not None:
        member.password_hash = hasher.hash(password)
    else:
        token = _issue_link(member, now)
    uow.staff.add(member)
    log_action(uow, now, actor, "staff.added", f"staff:{member.id}", role=role.value)
    return StaffOutcome(member, token)


def remove_member(uow: StaffUnitOfWork, env: Env, actor: Actor, email: str) -> StaffOutcome:
    member = _find(uow, email)
    if member is None:
        return StaffOutcome(errors=[_not_found(email)])
    assert member.id is not None
    uow.staff_sessions.revoke_all(member.id)
    uow.staff.remove(member.id)
    log_action(uow, env.clock.now(), actor, "staff.removed", f"staff:{member.id}")
    return StaffOutcome(member)


def reset_member(uow: StaffUnitOfWork, env: Env, actor: Actor, email: str) -> StaffOutcome:
    """Forget the password, sign out every browser, and issue a new one-time link."""
    member = _find(uow, email)
    if member is None:
        return StaffOutcome(errors=[_not_found(email)])
    assert member.id is not None
    now = env.clock.now()
    member.password_hash = None
    token = _issue_link(member, now)
    uow.staff.update(member)
    uow.staff_sessions.revoke_all(member.id)
    log_action(uow, now, actor, "staff.reset", f"staff:{member.id}")
    return StaffOutcome(member, token)


@dataclass
class SignIn:
    """A new session (its token goes in the cookie), or why there is none."""

    member: StaffMember | None = None
    token: str | None = None
    session: StaffSession | None = None
    error: str | None = None  # "staff.sign_in_failed" | "staff.too_many_attempts" | ...


def sign_in(
    uow: StaffUnitOfWork,
    env: Env,
    hasher: Hasher,
    limits: SignInLimits,
    email: str,
    password: str,
    address: str,
) -> SignIn:
    now = env.clock.now()
    account_key = f"account:{email.strip().lower()[:254]}"
    address_key = f"address:{address[:64]}"
    since = now - limits.window
    uow.sign_in_failures.prune(since)  # what no longer counts is not kept
    if (
        uow.sign_in_failures.count(account_key, since) >= limits.per_account
        or uow.sign_in_failures.count(address_key, since) >= limits.per_address
    ):
        return SignIn(error="staff.too_many_attempts")
    member = uow.staff.by_email(email.strip().lower()) if len(email) <= 254 else None
    password = password[:MAX_PASSWORD]
    if member is None or member.password_hash is None:
        hasher.hash(password)  # as slow as a real check: the answer time names no account
        ok = False
    else:
        ok = hasher.verify(member.password_hash, password)
    if not ok or member is None:
        uow.sign_in_failures.add(account_key, now)
        uow.sign_in_failures.add(address_key, now)
        return SignIn(error="staff.sign_in_failed")
    uow.sign_in_failures.clear(account_key)
    return _open_session(uow, member, limits, now, "staff.signed_in")


def sign_in_verified(
    uow: StaffUnitOfWork,
    env: Env,
    limits: SignInLimits,
    email: str,
    via: str,
    role: Role | None = None,
) -> SignIn:
    """Signed in by an identity provider that proved the e-mail address (single sign-on,
    web/oidc.py): the existing account with that address, with its own role, or with `role`
    when the provider's claims decide it (then the account keeps that role, audited). No
    account, no session: single sign-on never creates one."""
    member = _find(uow, email) if 0 < len(email) <= 254 else None
    if member is None:
        return SignIn(error="web.oidc.unknown_email")
    now = env.clock.now()
    if role is not None and role is not member.role:
        before, member.role = member.role, role
        uow.staff.update(member)
        log_action(
            uow,
            now,
            web_actor(member),
            "staff.role_from_provider",
            f"staff:{member.id}",
            before=before.value,
            after=role.value,
            via=via,
        )
    return _open_session(uow, member, limits, now, f"staff.signed_in_{via}")


def redeem_link(
    uow: StaffUnitOfWork,
    env: Env,
    hasher: Hasher,
    limits: SignInLimits,
    token: str,
    password: str,
) -> SignIn:
    """The one-time link: choose a password, and be signed in. The link is then spent."""
    now = env.clock.now()
    member = link_owner(uow, env, token)
    if member is None:
        return SignIn(error="staff.link_invalid")
    errors = check_password(password)
    if errors:
        return SignIn(member=member, error=errors[0].code)
    member.password_hash = hasher.hash(password)
    member.link_digest = None
    member.link_expires_at = None
    uow.staff.update(member)
    return _open_session(uow, member, limits, now, "staff.password_set")


def link_owner(uow: StaffUnitOfWork, env: Env, token: str) -> StaffMember | None:
    if not token or len(token) > 128:
        return None
    member = uow.staff.by_link(digest(token))
    if member is None or member.link_expires_at is None:
        return None
    return member if env.clock.now() < member.link_expires_at else None


def current(
    uow: StaffUnitOfWork, env: Env, token: str | None
) -> tuple[StaffMember, StaffSession] | None:
    """The staff member a session cookie belongs to, if the session is still valid."""
    if not token or len(token) > 128:
        return None
    session = uow.staff_sessions.by_digest(digest(token))
    if session is None or session.revoked or env.clock.now() >= session.expires_at:
        return None
    member = uow.staff.get(session.staff_id)
    return (member, session) if member is not None else None


def sign_out(uow: StaffUnitOfWork, env: Env, member: StaffMember, token: str) -> None:
    uow.staff_sessions.revoke(digest(token))
    log_action(uow, env.clock.now(), web_actor(member), "staff.signed_out", f"staff:{member.id}")


def _open_session(
    uow: StaffUnitOfWork, member: StaffMember, limits: SignInLimits, now: datetime, action: str
) -> SignIn:
    assert member.id is not None
    uow.staff_sessions.prune(now - timedelta(days=1))
    token = new_secret()
    session = StaffSession(
        digest(token),
        member.id,
        new_secret(),
        now,
        now + timedelta(hours=limits.session_hours),
    )
    uow.staff_sessions.add(session)
    log_action(uow, now, web_actor(member), action, f"staff:{member.id}")
    return SignIn(member, token, session)


def _issue_link(member: StaffMember, now: datetime) -> str:
    token = new_secret()
    member.link_digest = digest(token)
    member.link_expires_at = now + LINK_VALID
    return token


def _find(uow: StaffUnitOfWork, email: str) -> StaffMember | None:
    return uow.staff.by_email(email.strip().lower())


def _not_found(email: str) -> ValidationError:
    return ValidationError("staff.not_found", "email", {"email": email.strip()})

"""One inbound e-mail in, exactly one recorded outcome out.

accepted, updated, needs_verification, rejected (with a reply saying what to fix), ignored
(robots, lists, ourselves), bounce, duplicate, or quarantined (the pipeline raised: the raw
message is kept for `leertraject mail retry` and the others go on).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from core.audit import log_action
from core.campaign import Env
from core.form import FORM
from core.model import Actor, ActorKind, Channel, InboundOutcome, InboundRecord, OutboxMessage
from core.notify import tell_address
from core.ports import Transaction, UnitOfWork
from core.typed_text import clean, clean_line
from core.usecases import inbound
from core.usecases.approval import approve_by_reply
from core.usecases.bounces import record_bounce
from core.usecases.codes import codes, locked
from core.usecases.submit import Identity, Outcome, Result, submit
from core.usecases.verification import verify
from mail.attachments import attachment_texts, template_attachments
from mail.classify import classify
from mail.decode import DecodedMail, decode_message
from mail.intake import Disposition
from mail.render import LOOP_HEADER
from mail.replies import rejection_params
from mail.template import TemplateSpec, extract_best
from mail.trust import assess_sender

log = logging.getLogger("leertraject.mail.intake")

_DISPOSITIONS = {
    "accepted": Disposition.PROCESSED,
    "updated": Disposition.PROCESSED,
    "needs_verification": Disposition.PROCESSED,
    "pending_approval": Disposition.PROCESSED,
    "rejected": Disposition.PROCESSED,
    "duplicate": Disposition.PROCESSED,
    "ignored": Disposition.IGNORED,
    "bounce": Disposition.IGNORED,
    "quarantined": Disposition.FAILED,
}
_CODE = re.compile(r"(?<![\d-])(\d{6})(?![\d-])")
_RATE_LIMITED = {
    "field": "message",
    "code": "rate_limited",
    "message": "te veel berichten van dit adres vandaag: niet beantwoord",
}
_LIMITS = ("verification.rate_limited", "verification.locked")
_FORGED = {"field": "message", "code": "sender.forged", "message": "afzender vervalst"}
BATCH_SIZE = 50  # messages handled in one transaction by process_files
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])")


@dataclass(frozen=True)
class IntakeSettings:
    address: str
    trusted_authserv_id: str = ""
    max_message_bytes: int = 10 * 1024 * 1024


@dataclass
class IntakeResult:
    message_id: str
    outcome: str
    file: str | None = None
    registration: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    reply: OutboxMessage | None = None

    @property
    def disposition(self) -> Disposition:
        return _DISPOSITIONS[self.outcome]


class MailIntake:
    def __init__(
        self,
        env: Env,
        settings: IntakeSettings,
        transaction: Transaction[Any],
    ) -> None:
        self.env = env
        self.settings = settings
        self.transaction = transaction
        self.spec = TemplateSpec(
            FORM.email_labels(),
            multiline_fields=[f.key for f in FORM.fields if f.kind.value == "long_text"],
            protected_phrases=[t.title_nl for t in env.themes] + [t.title_en for t in env.themes],
        )

    def handle(self, raw: bytes) -> Disposition:
        """The handler for the IMAP and Maildir intake loops."""
        return self.process(raw).disposition

    def process(self, raw: bytes, file: str | None = None, retry: bool = False) -> IntakeResult:
        key = "sha256:" + hashlib.sha256(raw).hexdigest()
        try:
            mail = decode_message(raw)  # once, outside the transaction: it is the slow part
            key = clean_line(mail.message_id, 255)  # a ledger key: no NUL, bounded
            result: IntakeResult = self.transaction(
                lambda uow: self._process(uow, raw, mail, key, retry)
            )
        except Exception as exc:  # kept whole for a retry; never blocks the next message
            log.exception("message %s quarantined", key)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            result = self.transaction(lambda uow: self._quarantine(uow, raw, key, error))
        result.file = file
        return result

    def process_files(self, paths: Sequence[Path]) -> list[IntakeResult]:
        """`leertraject mail ingest`: every file through the pipeline, in order, a batch of
        files at a time (process_many)."""
        results: list[IntakeResult] = []
        for start in range(0, len(paths), BATCH_SIZE):
            chunk = paths[start : start + BATCH_SIZE]
            results += self.process_many([(p.read_bytes(), str(p)) for p in chunk])
        return results

    def process_many(self, messages: Sequence[tuple[bytes, str | None]]) -> list[IntakeResult]:
        """Messages already fetched, each decoded once, in one transaction: each gets its
        own recorded outcome, committed together. If anything in the batch fails, nothing of
        it was kept and every message goes through `process` on its own instead, so one
        failure never costs the others their outcome (the failing one is quarantined)."""
        if len(messages) < 2:
            return [self.process(raw, file=file) for raw, file in messages]
        try:
            mails = [decode_message(raw) for raw, _ in messages]
            keys = [clean_line(m.message_id, 255) for m in mails]

            def work(uow: UnitOfWork) -> list[IntakeResult]:
                uow.inbound.prefetch(Channel.EMAIL, keys)
                inbound.prepare_answers(uow, self.env, [m.from_address or "" for m in mails])
                return [
                    self._process(uow, raw, mail, key, False)
                    for (raw, _), mail, key in zip(messages, mails, keys, strict=True)
                ]

            results: list[IntakeResult] = self.transaction(work)
        except Exception as exc:
            log.warning(
                "a batch of %d messages failed (%s); each is handled on its own",
                len(messages),
                f"{type(exc).__name__}: {exc}"[:300],
            )
            return [self.process(raw, file=file) for raw, file in messages]
        for result, (_, file) in zip(results, messages, strict=True):
            result.file = file
        return results

    # --- the steps ---------------------------------------------------------------------------

    def _process(
        self, uow: UnitOfWork, raw: bytes, mail: DecodedMail, key: str, retry: bool
    ) -> IntakeResult:
        earlier = inbound.seen(uow, Channel.EMAIL, key)
        if earlier is not None and not (retry and earlier.outcome == "quarantined"):
            outcome = "quarantined" if earlier.outcome == "quarantined" else "duplicate"
            return IntakeResult(key, outcome)
        kind = classify(mail, own_addresses=[self.settings.address], loop_header=LOOP_HEADER)
        if kind.kind == "bounce":
            found = record_bounce(uow, self.env, kind.failed_recipients, kind.original_message_id)
            detail = {"failed": list(kind.failed_recipients), "outbox": found.outbox_id}
            return self._record(uow, earlier, key, IntakeResult(key, "bounce"), detail)
        if not kind.answerable:
            return self._record(
                uow, earlier, key, IntakeResult(key, "ignored"), {"why": kind.reason}
            )
        sender = (mail.from_address or "").lower()
        trust = assess_sender(mail, trusted_authserv_id=self.settings.trusted_authserv_id)
        if trust.authenticated is False:
            return self._record(uow, earlier, key, self._forged(uow, mail, key), {})
        if sender and not inbound.may_answer(uow, self.env, sender):
            limited = IntakeResult(key, "rejected", errors=[_RATE_LIMITED])
            return self._record(uow, earlier, key, limited, {})
        if len(raw) > self.settings.max_message_bytes:
            return self._record(uow, earlier, key, self._too_large(uow, mail, key), {})
        result = self._register(uow, mail, key, trust.authenticated is True)
        return self._record(uow, earlier, key, result, {})

    def _register(
        self, uow: UnitOfWork, mail: DecodedMail, key: str, authenticated: bool
    ) -> IntakeResult:
        sender = (mail.from_address or "").lower()
        texts = list(mail.alternatives) or [mail.body]
        form = extract_best(texts, self.spec, sender_name=mail.from_name)
        if form.empty:  # a template attached as .txt or .docx instead of pasted
            form = extract_best(attachment_texts(mail), self.spec, sender_name=mail.from_name)
        thread = _thread(mail)
        language = _language(texts)
        if form.empty:
            return self._answer(uow, mail, key, language, sender)
        raw: dict[str, Any] = {k: clean(v) for k, v in form.values.items()}
        raw["preferences"] = form.preferences or form.values.get("preferences")
        raw.setdefault("contact_email", sender)
        raw["language"] = language
        identity = Identity(
            Channel.EMAIL,
            email=sender or None,
            email_trusted=authenticated,
            token=_token(uow, texts),
            thread=thread,
        )
        outcome = submit(uow, self.env, raw, identity)
        if outcome.result is Result.REJECTED and outcome.errors[0].code in _LIMITS:
            limited = [_RATE_LIMITED, outcome.errors[0].as_dict("nl")]
            return IntakeResult(key, "rejected", errors=limited)  # recorded, never answered
        if outcome.result is Result.REJECTED:
            errors = outcome.errors
            error_kind = "deadline" if errors[0].code == "deadline.passed" else "validation"
            return self._reject(uow, mail, key, language, error_kind, errors, raw)
        return self._result(key, outcome, sender)

    def _answer(
        self, uow: UnitOfWork, mail: DecodedMail, key: str, language: str, sender: str
    ) -> IntakeResult:
        """A message without the template: a code sent back, an approval, or a mistake."""
        body = mail.body[:20000]
        decision = approve_by_reply(uow, self.env, sender, body) if sender else None
        if decision is not None and decision.outcome is not None:
            return self._result(key, decision.outcome, sender)
        code = _CODE.search(mail.body[:2000])
        if code and sender and (codes(uow, self.env, sender) or locked(uow, self.env, sender)):
            return self._result(key, verify(uow, self.env, sender, code.group(1)), sender)
        attached = template_attachments(mail)  # a .txt or .docx: ask to paste it
        reason = "attachment" if attached else "no_template"
        return self._reject(uow, mail, key, language, reason, [], {"attached_files": attached})

    def _forged(self, uow: UnitOfWork, mail: DecodedMail, key: str) -> IntakeResult:
        """Our server says the From is not the sender's: nothing changes, staff see it in the
        ledger and the audit log, and the address is told once (it may be a real person's)."""
        sender = (mail.from_address or "").lower()
        now = self.env.clock.now()
        log_action(uow, now, Actor(ActorKind.ANONYMOUS, Channel.EMAIL), "mail.forged", key[:120])
        reply = None
        if sender:  # at most once per address: the same cause every time
            reply = tell_address(uow, sender, "nl", "mail.forged", _thread(mail), "forged", now)
        return IntakeResult(key, "rejected", errors=[_FORGED], reply=reply)

    def _result(self, key: str, outcome: Outcome, sender: str) -> IntakeResult:
        outcome_name = outcome.result.value
        registration = None
        if outcome.registration is not None and outcome.result is not Result.REJECTED:
            r = outcome.registration
            registration = {
                "reference": r.reference,
                "municipality": {
                    "refnis": r.municipality,
                    "name": self.env.municipality_name(r.municipality),
                },
                "preferences": list(r.preferences),
            }
        reply = next((m for m in outcome.queued if m.recipient == sender), None)
        errors = [e.as_dict("nl") for e in outcome.errors]
        return IntakeResult(
            key, outcome_name, registration=registration, errors=errors, reply=reply
        )

    def _reject(
        self,
        uow: UnitOfWork,
        mail: DecodedMail,
        key: str,
        language: str,
        error_kind: str,
        errors: list[Any],
        raw: dict[str, Any],
    ) -> IntakeResult:
        sender = (mail.from_address or "").lower()
        params = rejection_params(self.env, language, errors, raw, error_kind)
        params.update(_thread(mail))
        reply = self._reply_once(uow, sender, language, "mail.rejected", error_kind, params)
        listed = [e.as_dict(language) for e in errors] or [
            {
                "field": "message",
                "code": "template.missing",
                "message": params["errors"][0]["message"],
            }
        ]
        return IntakeResult(key, "rejected", errors=listed, reply=reply)

    def _too_large(self, uow: UnitOfWork, mail: DecodedMail, key: str) -> IntakeResult:
        sender = (mail.from_address or "").lower()
        max_mb = max(1, self.settings.max_message_bytes // (1024 * 1024))
        params: dict[str, Any] = {"max_mb": max_mb, **_thread(mail)}
        reply = self._reply_once(uow, sender, "nl", "mail.too_large", "too_large", params)
        error = {
            "field": "message",
            "code": "message.too_large",
            "message": f"groter dan {max_mb} MB",
        }
        return IntakeResult(key, "rejected", errors=[error], reply=reply)

    def _reply_once(
        self,
        uow: UnitOfWork,
        sender: str,
        language: str,
        kind: str,
        error_kind: str,
        params: dict[str, Any],
    ) -> OutboxMessage | None:
        """At most one rejection per sender, error kind and day: no robot ping-pong."""
        if not sender:
            return None
        today: date = self.env.clock.now().date()
        cause = f"{error_kind}:{today.isoformat()}"
        return tell_address(uow, sender, language, kind, params, cause, self.env.clock.now())

    def _record(
        self,
        uow: UnitOfWork,
        earlier: InboundRecord | None,
        key: str,
        result: IntakeResult,
        detail: dict[str, Any],
    ) -> IntakeResult:
        detail = {**detail, "registration": (result.registration or {}).get("reference")}
        detail["errors"] = [e["code"] for e in result.errors]
        outcome = InboundOutcome(result.outcome)
        inbound.record(uow, self.env, Channel.EMAIL, key, outcome, detail, earlier)
        return result

    def _quarantine(self, uow: UnitOfWork, raw: bytes, key: str, error: str) -> IntakeResult:
        inbound.quarantine(uow, self.env, Channel.EMAIL, key, raw, error)
        return IntakeResult(
            key, "quarantined", errors=[{"field": "message", "code": "internal", "message": error}]
        )

    def retry_quarantined(self) -> list[IntakeResult]:
        records = self.transaction(lambda uow: uow.inbound.quarantined(Channel.EMAIL))
        return [self.process(r.raw, retry=True) for r in records if r.raw is not None]


def _thread(mail: DecodedMail) -> dict[str, str]:
    """Reply headers; what is echoed is one clean line (the subject cut to a sane length)."""
    subject = clean_line(mail.subject)
    if not mail.message_id or mail.message_id.startswith("sha256:"):
        return {"original_subject": subject}
    ids = [clean_line(i, 250) for i in [*mail.references, mail.message_id][-10:]]
    return {"in_reply_to": ids[-1], "references": " ".join(ids), "original_subject": subject}


def _language(texts: list[str]) -> str:
    english = {label.lower() for f in FORM.fields for label in f.labels_en}
    dutch = {label.lower() for f in FORM.fields for label in f.labels_nl}
    scores = {"en": 0, "nl": 0}
    for line in texts[0].splitlines() if texts else []:
        head = line.strip().lstrip(">").strip().split(":", 1)[0].strip().lower()
        head = re.sub(r"\s*\d+$", "", head)
        scores["en"] += head in english
        scores["nl"] += head in dutch
    return "en" if scores["en"] > scores["nl"] else "nl"


def _token(uow: UnitOfWork, texts: list[str]) -> str | None:
    for candidate in _TOKEN.findall(" ".join(texts)[:20000])[:10]:
        if uow.contacts.by_token(candidate) is not None:
            return str(candidate)
    return None

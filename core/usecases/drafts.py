"""A registration built step by step (the chat): one field at a time, stored between steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.campaign import Env
from core.form import FORM, FormField
from core.model import Channel, Draft
from core.ports import UnitOfWork
from core.typed_text import clean
from core.usecases.submit import Identity, Outcome, submit
from core.validators import ValidationError

SKIP_WORDS = frozenset({"-", "skip", "overslaan", "geen", "none", "nvt", "n.v.t."})


@dataclass
class StepOutcome:
    draft: Draft
    errors: list[ValidationError] = field(default_factory=list)
    next_field: FormField | None = None


def start_draft(uow: UnitOfWork, env: Env, owner: str, channel: Channel, language: str) -> Draft:
    draft = uow.drafts.get(owner)
    if draft is None:
        first = FORM.next_missing({})
        draft = Draft(owner, channel, language, {}, first.key if first else None, env.clock.now())
        uow.drafts.save(draft)
    return draft


def save_field(
    uow: UnitOfWork, env: Env, owner: str, key: str, raw: Any, channel: Channel, language: str
) -> StepOutcome:
    """Validate one field with the form's own rule and move the draft to the next missing one."""
    draft = start_draft(uow, env, owner, channel, language)
    outcome = set_field(draft, env, key, raw)
    uow.drafts.save(draft)
    return outcome


def set_field(draft: Draft, env: Env, key: str, raw: Any) -> StepOutcome:
    """`save_field` on a draft the caller holds (and saves): the same rule, skip words and step."""
    form_field = FORM.get(key)
    raw = clean(raw)  # no NUL nor escapes stored or echoed
    if not form_field.required and isinstance(raw, str) and raw.strip().lower() in SKIP_WORDS:
        draft.values.pop(key, None)
        if key not in draft.skipped:
            draft.skipped.append(key)
        errors: list[ValidationError] = []
    else:
        value, errors = form_field.clean(raw, env.form_context)
        if not errors:
            draft.values[key] = value
            if key in draft.skipped:
                draft.skipped.remove(key)
            if key == "language" and value:
                draft.language = value
    following = FORM.next_missing(draft.values, draft.skipped)
    draft.step = following.key if following else None
    draft.updated_at = env.clock.now()
    return StepOutcome(draft, errors, following)


def submit_draft(uow: UnitOfWork, env: Env, owner: str, identity: Identity) -> Outcome | None:
    draft = uow.drafts.get(owner)
    if draft is None:
        return None
    raw = {**draft.values, "language": draft.values.get("language") or draft.language}
    outcome = submit(uow, env, raw, identity)
    if outcome.errors == []:
        uow.drafts.delete(owner)
    return outcome

"""What a rejection reply says: every error in plain words, and the template given back filled
in with what was understood, so the official only corrects what is wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.campaign import Env
from core.form import FORM
from core.i18n import t
from core.validators import CONFLICT_CODES, Conflict, Kind, ValidationError
from mail.template import render_template


def template_labels(language: str) -> dict[str, str]:
    return {f.key: f.label(language) for f in FORM.fields if f.kind is not Kind.LANGUAGE}


def filled_template(
    language: str,
    values: Mapping[str, str],
    preferences: Sequence[str],
    min_preferences: int,
    max_preferences: int,
) -> str:
    """The template an official fills in: every field, as many preference lines as may be
    given, and "(optioneel)" after what may stay empty; known values already filled in."""
    optional = t("template.optional", language)
    return render_template(
        template_labels(language),
        values,
        preferences=preferences,
        preference_slots=max_preferences,
        required_slots=min_preferences,
        hints={f.key: optional for f in FORM.fields if not f.required},
        optional_hint=optional,
    ).rstrip("\n")


def rejection_params(
    env: Env,
    language: str,
    errors: list[ValidationError],
    raw: dict[str, Any],
    error_kind: str,
) -> dict[str, Any]:
    """``error_kind`` is what the reply's subject says: deadline, no_template, attachment,
    conflict (two values for one field: we ask which) or validation."""
    labels = template_labels(language)
    if any(e.code in CONFLICT_CODES for e in errors) and error_kind == "validation":
        error_kind = "conflict"
    listed = [{"label": _label(e, labels), "message": e.message(language)} for e in errors]
    if not errors:  # what the intake records; the reply says it in its own words
        listed = [{"label": "", "message": t("mail.rejected.no_template", language)}]
    values = {
        k: "" if isinstance(v, Conflict) else str(v)
        for k, v in raw.items()
        if isinstance(v, str) and k != "language"
    }
    preferences = raw.get("preferences") or []
    if isinstance(preferences, str):
        values.pop("preferences", None)
        preferences = [preferences]
    shown = ["" if isinstance(p, Conflict) else str(p) for p in preferences]
    campaign = env.campaign
    template = filled_template(
        language, values, shown, campaign.min_preferences, campaign.max_preferences
    )
    return {"errors": listed, "template": template, "reason": error_kind}


def _label(error: ValidationError, labels: Mapping[str, str]) -> str:
    """The line an error is about: "Voorkeur 3" for one preference, else the field's label."""
    label = labels.get(error.field, "")
    line = error.params.get("line")
    return f"{label} {line}" if line else label

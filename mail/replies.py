"""The template as the official sees it (in the invitation, and in a rejection filled in with
what was understood), and what a rejection reply says: every error in plain words, on the
line it is about, so the official only corrects what is wrong."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.campaign import Env
from core.form import FORM
from core.i18n import t
from core.validators import CONFLICT_CODES, Conflict, Kind, ValidationError


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
    conflict (two values for one field: we ask which), invalid (a value is wrong) or
    validation (only missing fields)."""
    labels = template_labels(language)
    if error_kind == "validation" and any(e.code in CONFLICT_CODES for e in errors):
        error_kind = "conflict"
    elif error_kind == "validation" and any(e.code != "required" for e in errors):
        error_kind = "invalid"  # not only missing: something is wrong
    listed = [
        {"label": _label(e, labels, language), "message": e.message(language)} for e in errors
    ]
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
    attached_files = ", ".join(str(a) for a in raw.get("attached_files") or [])
    return {
        "errors": listed,
        "template": template,
        "reason": error_kind,
        "attached_files": attached_files,
    }


def _label(error: ValidationError, labels: Mapping[str, str], language: str) -> str:
    """The line an error is about: "Voorkeur 3" for one preference, "Voorkeuren" for the
    whole list, else the field's label."""
    label = labels.get(error.field, "")
    line = error.params.get("line")
    if line:
        return f"{label} {line}"
    if error.field == "preferences":
        names = FORM.get(error.field)
        plural = names.labels_en if language == "en" else names.labels_nl
        return plural[1] if len(plural) > 1 else label
    return label


def render_template(
    labels: Mapping[str, str],
    values: Mapping[str, str],
    *,
    list_field: str = "preferences",
    preferences: Sequence[str] = (),
    preference_slots: int = 3,
    required_slots: int | None = None,
    hints: Mapping[str, str] | None = None,
    optional_hint: str = "",
) -> str:
    """The template as plain text, filled in with ``values``; one label per field.

    ``labels`` maps key -> the label in the reader's language, in form order. The list field
    gets ``preference_slots`` numbered lines; those after ``required_slots`` carry
    ``optional_hint``. Hints are shown, in parentheses after two spaces, only where a value is
    still missing; the parser drops them again when the official leaves them.
    """
    hints = hints or {}
    required = preference_slots if required_slots is None else required_slots
    lines: list[str] = []
    for key, label in labels.items():
        hint = hints.get(key, "")
        if key == list_field:
            for i in range(max(preference_slots, len(preferences))):
                value = preferences[i] if i < len(preferences) else ""
                slot_hint = hint if i < required else optional_hint or hint
                lines.append(_line(f"{label} {i + 1}", value, slot_hint))
            continue
        value = values.get(key, "").strip()
        first, _, rest = value.partition("\n")
        lines.append(_line(label, first, hint))
        if rest:
            lines.extend(rest.split("\n"))
    return "\n".join(lines) + "\n"


def _line(label: str, value: str, hint: str) -> str:
    if value:
        return f"{label}: {value}"
    return f"{label}:  ({hint})" if hint else f"{label}:"

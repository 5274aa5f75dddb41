"""What a rejection reply says: every error in plain words, and the template given back filled
in with what was understood, so the official only corrects what is wrong."""

from __future__ import annotations

from typing import Any

from core.campaign import Env
from core.form import FORM
from core.i18n import t
from core.validators import Kind, ValidationError
from mail.template import render_template

_NO_TEMPLATE = {
    "nl": "We vonden geen ingevuld sjabloon in uw bericht.",
    "en": "We found no filled-in template in your message.",
}


def template_labels(language: str) -> dict[str, str]:
    return {f.key: f.label(language) for f in FORM.fields if f.kind is not Kind.LANGUAGE}


def rejection_params(
    env: Env,
    language: str,
    errors: list[ValidationError],
    raw: dict[str, Any],
    error_kind: str,
) -> dict[str, Any]:
    labels = template_labels(language)
    listed = [
        {"label": labels.get(e.field, e.field), "message": e.message(language)} for e in errors
    ]
    if error_kind == "no_template":
        listed = [{"label": "E-mail", "message": _NO_TEMPLATE[language]}]
    values = {k: str(v) for k, v in raw.items() if isinstance(v, str) and k != "language"}
    preferences = raw.get("preferences") or []
    if isinstance(preferences, str):
        values.pop("preferences", None)
        preferences = [preferences]
    optional = t("template.optional", language)
    hints = {f.key: optional for f in FORM.fields if not f.required}
    template = render_template(
        labels,
        values,
        preferences=[str(p) for p in preferences],
        preference_slots=env.campaign.min_preferences,
        hints=hints,
    )
    return {"errors": listed, "template": template.rstrip("\n")}

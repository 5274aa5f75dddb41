"""Every sentence core says to a user, in Dutch and English, behind a stable key."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

_TEXTS: dict[str, tuple[str, str]] = {
    # validation errors: key = error code
    "required": ("Dit veld is verplicht.", "This field is required."),
    "too_long": (
        "Dit is te lang: {length} tekens, maximaal {max}.",
        "This is too long: {length} characters, at most {max}.",
    ),
    "municipality.not_found": (
        "We vinden geen gemeente '{value}'. Geef de naam, de postcode of de NIS-code.",
        "We cannot find a municipality '{value}'. Give its name, postal code or NIS code.",
    ),
    "municipality.outside_flanders": (
        "{name} ligt niet in het Vlaamse Gewest; de leertrajecten zijn voor Vlaamse gemeenten.",
        "{name} is not in the Flemish Region; the learning tracks are for Flemish municipalities.",
    ),
    "municipality.ambiguous": (
        "'{value}' kan meerdere gemeenten zijn: {candidates}. Welke bedoelt u?",
        "'{value}' could be several municipalities: {candidates}. Which one do you mean?",
    ),
    "email.invalid": (
        "'{value}' is geen geldig e-mailadres.",
        "'{value}' is not a valid e-mail address.",
    ),
    "phone.invalid": (
        "'{value}' is geen geldig telefoonnummer.",
        "'{value}' is not a valid phone number.",
    ),
    "language.invalid": (
        "Kies 'nl' (Nederlands) of 'en' (English).",
        "Choose 'nl' (Dutch) or 'en' (English).",
    ),
    "preferences.too_few": (
        "Kies minstens {min} verschillende thema's (nu {count}).",
        "Choose at least {min} different themes (now {count}).",
    ),
    "preferences.too_many": (
        "Kies hoogstens {max} thema's (nu {count}).",
        "Choose at most {max} themes (now {count}).",
    ),
    "preferences.duplicate": (
        "Thema {number} staat er meer dan eens in; elk thema telt maar een keer.",
        "Theme {number} is listed more than once; each theme counts once.",
    ),
    "preferences.unknown_theme": (
        "We kennen geen thema '{value}'. Gebruik een nummer van 1 tot {count} of de titel.",
        "We do not know a theme '{value}'. Use a number from 1 to {count} or the title.",
    ),
    "preferences.gap": (
        "Voorkeur {position} ontbreekt; nummer de voorkeuren zonder gaten.",
        "Choice {position} is missing; number the choices without gaps.",
    ),
    # state errors from use cases
    "deadline.passed": (
        "De inschrijvingen zijn afgesloten sinds {deadline}. Neem contact op met VLAIO.",
        "Registration closed on {deadline}. Please contact VLAIO.",
    ),
    "registration.not_found": (
        "Er is geen inschrijving met referentie {reference}.",
        "There is no registration with reference {reference}.",
    ),
    "registration.withdrawn": (
        "Deze inschrijving is ingetrokken.",
        "This registration has been withdrawn.",
    ),
    "contact.not_allowed": (
        "U staat niet als contactpersoon van {municipality} geregistreerd.",
        "You are not registered as a contact of {municipality}.",
    ),
    "verification.invalid": (
        "Die code klopt niet of is verlopen.",
        "That code is wrong or has expired.",
    ),
    "verification.too_many_attempts": (
        "Te veel foute pogingen. Vraag een nieuwe code aan.",
        "Too many wrong attempts. Ask for a new code.",
    ),
}


def text(key: str, language: str, **params: Any) -> str:
    nl, en = _TEXTS[key]
    template = en if language == "en" else nl
    return template.format(**params) if params else template


def has_text(key: str) -> bool:
    return key in _TEXTS


def normalise_language(value: str | None) -> str:
    """Telegram's 'nl-BE', an e-mail's 'EN', or nothing: always one of LANGUAGES."""
    if not value:
        return DEFAULT_LANGUAGE
    code = value.strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE

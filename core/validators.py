"""Validators of the registration form's field kinds: each returns a value or errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import StrEnum
from typing import Any

from core.municipalities import LookupStatus, MunicipalityDirectory
from core.preferences import split_preferences
from core.texts import LANGUAGES, normalise_language, text
from core.themes import ThemeCatalog
from core.typed_text import clean_text


class Kind(StrEnum):
    LANGUAGE = "language"
    MUNICIPALITY = "municipality"
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    PREFERENCES = "preferences"
    LONG_TEXT = "long_text"


@dataclass(frozen=True)
class ValidationError:
    """One thing to fix: a stable code, the field, and what to tell the user."""

    code: str
    field: str
    params: Mapping[str, Any] = dc_field(default_factory=dict)

    def message(self, language: str) -> str:
        return text(self.code, language, **self.params)

    def as_dict(self, language: str) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message(language)}


class Conflict(str):
    """A field an official gave twice with different values, or corrected in a sentence
    ("Voorkeur 1 moet 3 zijn"). It is never resolved silently: it fails validation with a
    question, so nothing is changed until the official says which is meant."""

    options: tuple[str, ...]
    sentence: str

    def __new__(cls, options: Sequence[str], sentence: str = "") -> Conflict:
        options, sentence = [clean_text(o) for o in options], clean_text(sentence)
        self = super().__new__(cls, " / ".join(options) or sentence)
        self.options, self.sentence = tuple(options), sentence
        return self

    def error(self, key: str, line: int | None = None) -> ValidationError:
        where = {"line": line} if line else {}
        if self.sentence:
            return ValidationError("field.correction", key, {"sentence": self.sentence, **where})
        first, *rest = self.options
        params = {"first": first, "second": "', '".join(rest), **where}
        return ValidationError("field.conflict", key, params)


CONFLICT_CODES = frozenset({"field.conflict", "field.correction"})


@dataclass(frozen=True)
class Context:
    themes: ThemeCatalog
    municipalities: MunicipalityDirectory
    min_preferences: int = 3
    max_preferences: int = 5


Cleaner = Callable[[str, Any, Context, int], tuple[Any, list[ValidationError]]]


def clean(
    kind: Kind, key: str, raw: Any, ctx: Context, required: bool, max_length: int
) -> tuple[Any, list[ValidationError]]:
    """The value to store, or the errors; an empty optional field cleans to None."""
    if isinstance(raw, Conflict):
        return None, [raw.error(key)]
    if _is_empty(raw):
        return None, [ValidationError("required", key)] if required else []
    return _CLEANERS[kind](key, raw, ctx, max_length)


def ascii_number(text: str) -> int | None:
    """A number typed or tapped, from ASCII digits only: "²".isdigit() is True but int() fails,
    and "٣" would pass int() while no keyboard button says so."""
    text = text.strip()
    if text and len(text) <= 9 and text.isascii() and text.isdigit():
        return int(text)
    return None


def _is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, Sequence):
        return all(_is_empty(item) for item in raw)
    return False


def _clean_text(
    key: str, raw: Any, ctx: Context, max_length: int
) -> tuple[Any, list[ValidationError]]:
    return _within(key, " ".join(str(raw).split()), max_length)


def _clean_long_text(
    key: str, raw: Any, ctx: Context, max_length: int
) -> tuple[Any, list[ValidationError]]:
    lines = (line.rstrip() for line in str(raw).strip().splitlines())
    return _within(key, "\n".join(lines), max_length)


def _within(key: str, value: str, max_length: int) -> tuple[Any, list[ValidationError]]:
    if len(value) > max_length:
        return None, [ValidationError("too_long", key, {"length": len(value), "max": max_length})]
    return value, []


def _clean_language(
    key: str, raw: Any, ctx: Context, max_length: int
) -> tuple[Any, list[ValidationError]]:
    value = str(raw).strip().lower()
    aliases = {"nederlands": "nl", "dutch": "nl", "vlaams": "nl", "english": "en", "engels": "en"}
    value = aliases.get(value, value)
    if value[:2] in LANGUAGES and len(value) in (2, 5):
        return normalise_language(value), []
    return None, [ValidationError("language.invalid", key, {"value": raw})]


_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
)
_MAILTO = re.compile(r"^(?:mailto:)?<?([^<>\s]+)>?$", re.I)


def _clean_email(
    key: str, raw: Any, ctx: Context, max_length: int
) -> tuple[Any, list[ValidationError]]:
    value = str(raw).strip()
    # Outlook pastes "an.peeters@gent.be <mailto:an.peeters@gent.be>": keep the address.
    value = value.split()[0] if value.split() else value
    match = _MAILTO.match(value)
    address = match.group(1) if match else value
    if len(address) > 254 or ".." in address or not _EMAIL.match(address):
        return None, [ValidationError("email.invalid", key, {"value": str(raw).strip()})]
    local_part, domain = address.rsplit("@", 1)
    return f"{local_part}@{domain.lower()}", []


_PHONE_CHARS = re.compile(r"^[+0-9 ()./\-]+$")


def _clean_phone(
    key: str, raw: Any, ctx: Context, max_length: int
) -> tuple[Any, list[ValidationError]]:
    value = " ".join(str(raw).split())
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARS.match(value) or not 8 <= len(digits) <= 15:
        return None, [ValidationError("phone.invalid", key, {"value": value})]
    return value, []


def _clean_municipality(
    key: str, raw: Any, ctx: Context, max_length: int
) -> tuple[Any, list[ValidationError]]:
    value = str(raw).strip()
    found = ctx.municipalities.lookup(value)
    if found.status is LookupStatus.FOUND and found.municipality is not None:
        return found.municipality.refnis, []
    if found.status is LookupStatus.OUTSIDE_FLANDERS and found.municipality is not None:
        params = {"name": found.municipality.name, "value": value}
        return None, [ValidationError("municipality.outside_flanders", key, params)]
    if found.status is LookupStatus.AMBIGUOUS:
        names = ", ".join(m.name for m in found.candidates[:8])
        params = {"value": value, "candidates": names}
        return None, [ValidationError("municipality.ambiguous", key, params)]
    return None, [ValidationError("municipality.not_found", key, {"value": value})]


def _clean_preferences(
    key: str, raw: Any, ctx: Context, max_length: int
) -> tuple[Any, list[ValidationError]]:
    items: list[str | None] = (
        list(split_preferences(raw, ctx.themes.all_titles()))
        if isinstance(raw, str)
        else [_str_or_none(i) for i in raw]
    )
    errors: list[ValidationError] = []
    numbers: list[int] = []
    for position, item in enumerate(items, start=1):
        if item is None or not item.strip():
            if any(later for later in items[position:]):
                errors.append(ValidationError("preferences.gap", key, {"position": position}))
            continue
        if isinstance(item, Conflict):
            errors.append(item.error(key, position))
            continue
        found = ctx.themes.matches(item)
        theme = found[0] if len(found) == 1 else None
        if len(found) > 1:
            listed = ", ".join(str(t.number) for t in found)
            params = {"value": item.strip(), "numbers": listed, "line": position}
            errors.append(ValidationError("preferences.ambiguous_theme", key, params))
        elif theme is None:
            params = {"value": item.strip(), "count": len(ctx.themes), "line": position}
            errors.append(ValidationError("preferences.unknown_theme", key, params))
        elif theme.number in numbers:
            errors.append(ValidationError("preferences.duplicate", key, {"number": theme.number}))
        else:
            numbers.append(theme.number)
    # Counted as typed: "9, 9, 3" is one double, not also "too few"; "9, 11" is too few.
    typed = sum(1 for item in items if item is not None and item.strip())
    if typed < ctx.min_preferences or (not errors and len(numbers) < ctx.min_preferences):
        params = {"min": ctx.min_preferences, "count": min(typed, len(numbers))}
        errors.append(ValidationError("preferences.too_few", key, params))
    if typed > ctx.max_preferences:
        params = {"max": ctx.max_preferences, "count": typed}
        errors.append(ValidationError("preferences.too_many", key, params))
    return (tuple(numbers), []) if not errors else (None, errors)


def _str_or_none(item: Any) -> str | None:
    return None if item is None else item if isinstance(item, str) else str(item)


_CLEANERS: dict[Kind, Cleaner] = {
    Kind.LANGUAGE: _clean_language,
    Kind.MUNICIPALITY: _clean_municipality,
    Kind.TEXT: _clean_text,
    Kind.LONG_TEXT: _clean_long_text,
    Kind.EMAIL: _clean_email,
    Kind.PHONE: _clean_phone,
    Kind.PREFERENCES: _clean_preferences,
}

"""The registration form, defined once: fields, order, validators, prompts and help.

The chat asks for the next missing field, the e-mail parser fills all fields at once from the
template labels, the CLI uses the same definition. Adding a field is one change here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.validators import Context, Kind, ValidationError, clean

FREE_TEXT_MAX = 2000
SHORT_TEXT_MAX = 200


@dataclass(frozen=True)
class FormField:
    key: str
    kind: Kind
    required: bool
    labels_nl: tuple[str, ...]
    labels_en: tuple[str, ...]
    prompt_nl: str
    prompt_en: str
    help_nl: str
    help_en: str
    max_length: int = SHORT_TEXT_MAX

    def label(self, language: str) -> str:
        return (self.labels_en if language == "en" else self.labels_nl)[0]

    def prompt(self, language: str) -> str:
        return self.prompt_en if language == "en" else self.prompt_nl

    def help(self, language: str) -> str:
        return self.help_en if language == "en" else self.help_nl

    def clean(self, raw: Any, ctx: Context) -> tuple[Any, list[ValidationError]]:
        return clean(self.kind, self.key, raw, ctx, self.required, self.max_length)


@dataclass(frozen=True)
class FormResult:
    values: dict[str, Any]
    errors: list[ValidationError]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RegistrationForm:
    fields: tuple[FormField, ...]

    def get(self, key: str) -> FormField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def validate(self, raw: Mapping[str, Any], ctx: Context) -> FormResult:
        """All errors at once, in form order."""
        values: dict[str, Any] = {}
        errors: list[ValidationError] = []
        for f in self.fields:
            value, field_errors = f.clean(raw.get(f.key), ctx)
            values[f.key] = value
            errors.extend(field_errors)
        return FormResult(values, errors)

    def next_missing(
        self, values: Mapping[str, Any], skipped: Sequence[str] = ()
    ) -> FormField | None:
        """The first field with no value that was not skipped: the chat's next step."""
        for f in self.fields:
            if values.get(f.key) is None and f.key not in skipped:
                return f
        return None

    def email_labels(self) -> dict[str, list[str]]:
        return {
            f.key: [*f.labels_nl, *f.labels_en] for f in self.fields if f.kind is not Kind.LANGUAGE
        }


_FREE_TEXT_HELP_NL = "Optioneel, hoogstens 2.000 tekens. Typ '-' om over te slaan."
_FREE_TEXT_HELP_EN = "Optional, at most 2,000 characters. Type '-' to skip."

FIELDS: tuple[FormField, ...] = (
    FormField(
        "language", Kind.LANGUAGE, False, ("Taal",), ("Language",),
        "In welke taal wilt u verder? Nederlands of English?",
        "Which language would you like to continue in? Nederlands or English?",
        "Kies 'nl' of 'en'.", "Choose 'nl' or 'en'.",
    ),
    FormField(
        "municipality", Kind.MUNICIPALITY, True, ("Gemeente", "Stad"), ("Municipality", "City"),
        "Voor welke gemeente schrijft u in? Typ de naam of de postcode.",
        "Which municipality are you registering? Type its name or postal code.",
        "De deelnemer is de gemeente. Geef de naam (bv. Merelbeke-Melle), de postcode (9090) "
        "of de NIS-code (44088).",
        "The participant is the municipality. Give its name (e.g. Merelbeke-Melle), postal code "
        "(9090) or NIS code (44088).",
    ),
    FormField(
        "contact_name", Kind.TEXT, True, ("Contactpersoon", "Naam", "Contact"),
        ("Contact person", "Name", "Contact"),
        "Wat is uw naam (voornaam en achternaam)?",
        "What is your name (first and last name)?",
        "De contactpersoon van de gemeente voor dit leertraject.",
        "The municipality's contact person for this learning track.",
    ),
    FormField(
        "contact_function", Kind.TEXT, False, ("Functie",), ("Role", "Function", "Job title"),
        "Wat is uw functie bij de gemeente? (optioneel)",
        "What is your role at the municipality? (optional)",
        "Optioneel, bijvoorbeeld centrummanager, schepen van lokale economie, beleidsmedewerker. "
        "Typ '-' om over te slaan.",
        "Optional, for example town centre manager, alderman for local economy, policy officer. "
        "Type '-' to skip.",
    ),
    FormField(
        "contact_email", Kind.EMAIL, True, ("E-mail", "E-mailadres", "Mail"), ("Email",),
        "Op welk werkadres mogen we u mailen?",
        "Which work e-mail address may we use?",
        "Uw e-mailadres bij de gemeente; we sturen er de bevestigingen naartoe.",
        "Your e-mail address at the municipality; confirmations go there.",
    ),
    FormField(
        "contact_phone", Kind.PHONE, False, ("Telefoon", "Tel", "GSM"), ("Phone", "Telephone"),
        "Op welk telefoonnummer bent u bereikbaar? (optioneel)",
        "Which phone number can we reach you on? (optional)",
        "Optioneel. Typ '-' om over te slaan.", "Optional. Type '-' to skip.",
    ),
    FormField(
        "preferences", Kind.PREFERENCES, True,
        ("Voorkeur", "Voorkeuren", "Keuze", "Keuzes", "Onze keuzes", "Onze voorkeuren"),
        ("Choice", "Choices", "Preference", "Preferences", "Our choices", "Our preferences"),
        "Welke thema's hebben uw voorkeur? Kies ze in volgorde, de belangrijkste eerst.",
        "Which themes do you prefer? Choose them in order, the most important first.",
        "Kies 3 tot 5 verschillende thema's op nummer of titel, bv. 9, 11, 3.",
        "Choose 3 to 5 different themes by number or title, e.g. 9, 11, 3.",
    ),
    FormField(
        "beleidsprioriteiten", Kind.LONG_TEXT, False, ("Beleidsprioriteiten",),
        ("Policy priorities",),
        "Wat zijn de beleidsprioriteiten van uw gemeente voor de kern?",
        "What are your municipality's policy priorities for the town centre?",
        _FREE_TEXT_HELP_NL, _FREE_TEXT_HELP_EN, FREE_TEXT_MAX,
    ),
    FormField(
        "realisaties", Kind.LONG_TEXT, False, ("Realisaties",), ("Achievements",),
        "Wat heeft uw gemeente al gerealiseerd?",
        "What has your municipality already achieved?",
        _FREE_TEXT_HELP_NL, _FREE_TEXT_HELP_EN, FREE_TEXT_MAX,
    ),
    FormField(
        "acties", Kind.LONG_TEXT, False, ("Acties in uitvoering",), ("Actions in progress",),
        "Welke acties zijn in uitvoering?",
        "Which actions are in progress?",
        _FREE_TEXT_HELP_NL, _FREE_TEXT_HELP_EN, FREE_TEXT_MAX,
    ),
)  # fmt: skip

FORM = RegistrationForm(FIELDS)


def email_labels() -> dict[str, list[str]]:
    """Field key -> every label an official may use for it in an e-mail, Dutch and English."""
    return FORM.email_labels()


SKIP = "-"


def staff_given(values: Mapping[str, str | None]) -> dict[str, str]:
    """What staff typed (`registrations submit`, the console's entry form): an optional field
    left out, left empty or given as `-` is none."""
    optional = {f.key for f in FORM.fields if not f.required}
    return {
        key: value
        for key, value in values.items()
        if value is not None and value.strip() and not (key in optional and value.strip() == SKIP)
    }

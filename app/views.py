"""Registrations as staff see them: one flat record per registration, shared by list and export."""

from __future__ import annotations

from typing import Any

from core.campaign import Env
from core.model import Contact, Registration


def contact_record(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "function": contact.function,
        "email": contact.email,
        "phone": contact.phone,
        "language": contact.language,
        "invited": contact.invited,
        "verified": contact.verified,
        "telegram": contact.telegram_user_id is not None,
        "erased": contact.erased,
    }


def registration_record(
    env: Env, registration: Registration, contacts: list[Contact], language: str = "nl"
) -> dict[str, Any]:
    """The theme titles are in `language`; statuses and channels stay keys (for programs)."""
    municipality = env.municipalities.get(registration.municipality)
    return {
        "reference": registration.reference,
        "municipality": {
            "refnis": registration.municipality,
            "name": municipality.name if municipality else registration.municipality,
            "province": municipality.province if municipality else "",
        },
        "status": registration.status.value,
        "channel": registration.channel.value,
        "preferences": [
            {"rank": rank, "theme": number, "title": t.title(language) if t else ""}
            for rank, number in enumerate(registration.preferences, start=1)
            for t in [env.themes.get(number)]
        ],
        "beleidsprioriteiten": registration.beleidsprioriteiten,
        "realisaties": registration.realisaties,
        "acties": registration.acties,
        "contacts": [contact_record(c) for c in contacts if not c.erased],
        "created_at": registration.created_at,
        "submitted_at": registration.submitted_at,
        "updated_at": registration.updated_at,
    }

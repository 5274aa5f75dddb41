"""The job title is optional in the chat: the step can be skipped like the free texts."""

from __future__ import annotations

from core.campaign import Env
from tests.fakes import FakeUnitOfWork
from tests.unit.test_conversation import Person, invite


def test_an_invited_official_skips_the_job_title_and_is_asked_the_next_question(
    uow: FakeUnitOfWork, env: Env
) -> None:
    invite(uow)
    person = Person(uow, env)
    first = person.send("/start tok-an")
    assert "Wat is uw functie bij de gemeente? (optioneel)" in first.replies[-1].text
    skipped = person.tap("nav:skip")
    assert "Stap 2 van 6" in skipped.replies[-1].text
    assert "telefoonnummer" in skipped.replies[-1].text
    draft = uow.drafts.get(f"telegram:{person.user_id}")
    assert draft is not None and "contact_function" in draft.skipped

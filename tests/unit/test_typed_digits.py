"""Digits typed or tapped in the chat: only ASCII digits count as a number ("²".isdigit() is
True, but int("²") fails), so a superscript or a forged button never breaks the chat."""

from __future__ import annotations

import pytest

from core.campaign import Env
from core.validators import ascii_number
from tests.fakes import FakeUnitOfWork
from tests.unit.test_conversation import Person, invite, to_email_step


@pytest.mark.parametrize(
    ("typed", "number"),
    [("3", 3), (" 12 ", 12), ("²", None), ("٣", None), ("3²", None), ("", None), ("-1", None)],
)
def test_only_ascii_digits_are_a_number(typed: str, number: int | None) -> None:
    assert ascii_number(typed) == number


def test_a_superscript_digit_as_a_municipality_choice_is_looked_up_not_a_crash(
    uow: FakeUnitOfWork, env: Env
) -> None:
    person = Person(uow, env)
    person.send("/start")
    choosing = person.send("Sint")
    assert "1." in choosing.replies[-1].text  # a numbered list of candidates
    answer = person.send("²")
    assert "We vinden geen gemeente '²'" in answer.replies[-1].text


def test_a_forged_theme_button_with_a_superscript_digit_is_refused(
    uow: FakeUnitOfWork, env: Env
) -> None:
    invite(uow)
    person = Person(uow, env)
    person.send("/start tok-an")
    person.send("Centrummanager")
    person.send("-")
    answer = person.event_tap("t:²")
    assert answer.toast == "Deze knop hoort bij een eerdere stap."
    draft = uow.drafts.get(f"telegram:{person.user_id}")
    assert draft is not None and not draft.state.get("picks")


def test_a_code_typed_in_other_digits_is_asked_again(uow: FakeUnitOfWork, env: Env) -> None:
    person = Person(uow, env)
    to_email_step(person)
    answer = person.send("١٢٣٤٥٦")  # Arabic-Indic digits: \d matched them before
    assert "Typ de 6 cijfers" in answer.replies[0].text


def test_confirm_with_other_digits_explains_how_to_use_it(uow: FakeUnitOfWork, env: Env) -> None:
    person = Person(uow, env)
    answer = person.send("/bevestig an@gent.be ١٢٣٤٥٦")
    assert answer.replies[0].text.startswith("Typ: /bevestig uw-e-mailadres code")

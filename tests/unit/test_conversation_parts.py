"""Small pure parts of the chat: splitting long texts, flood control, decoding updates, and
the chat version of outbox messages."""

from __future__ import annotations

from datetime import UTC, datetime
from string import Formatter
from typing import Any

from telegram import Update

from bot.decode import decode
from bot.flood import FloodGuard, FloodLimits, Verdict
from bot.limits import check_data, split_text, utf16_len
from core.campaign import Env
from core.chat_texts import catalog, keys, t
from core.conversation import EventKind
from core.conversation.outbox import by_email_instead, chat_text
from core.model import Channel, Contact, OutboxMessage
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_long_texts_are_split_at_lines_within_4096_utf16_units() -> None:
    text = "Controleer:\n\n" + "\n".join(["😀" * 1000 + " einde"] * 5) + "\n\nKlopt alles?"
    pieces = split_text(text)
    assert all(utf16_len(piece) <= 4096 for piece in pieces)
    assert len(pieces) == 3  # two lines of 2,006 units fit in one message
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert split_text("kort") == ["kort"]
    assert [len(p) for p in split_text("x" * 5000)] == [4096, 904]


def test_callback_data_must_fit_telegrams_64_bytes() -> None:
    assert check_data("m:44021") == "m:44021"
    try:
        check_data("e:" + "x" * 63)
    except ValueError as error:
        assert "1-64 bytes" in str(error)
    else:
        raise AssertionError("65 bytes of callback data were accepted")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_both_gettext_catalogs_have_every_text_with_the_same_placeholders() -> None:
    dutch, english = catalog("nl"), catalog("en")
    assert set(dutch) == set(english) == set(keys())
    for key in keys():
        assert _placeholders(dutch[key]) == _placeholders(english[key]), key
    assert t("progress", "en", step=3, total=9) == "Step 3 of 9"
    assert t("progress", "fr", step=3, total=9) == "Stap 3 van 9"  # Dutch for the rest


def test_a_flooding_user_gets_one_warning_then_silence_until_the_bucket_refills() -> None:
    now = [100.0]
    guard = FloodGuard(FloodLimits(burst=3, rate=0.5), clock=lambda: now[0])
    verdicts = [guard.admit(7) for _ in range(6)]
    assert verdicts == [Verdict.ADMIT] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert guard.admit(8) is Verdict.ADMIT  # another person is not affected
    now[0] += 2.0  # one token back
    assert [guard.admit(7), guard.admit(7)] == [Verdict.ADMIT, Verdict.WARN]


def _update(data: dict[str, Any]) -> Update:
    return Update.de_json({"update_id": 700, **data}, None)


USER = {"id": 42, "is_bot": False, "first_name": "An", "language_code": "nl-BE"}
CHAT = {"id": 42, "type": "private", "first_name": "An"}


def test_updates_become_events_of_private_chats_only() -> None:
    command = _update(
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": CHAT,
                "from": USER,
                "text": "/start@leertraject_bot Inv1t3",
                "entities": [{"type": "bot_command", "offset": 0, "length": 22}],
            }
        }
    )
    event = decode(command)
    assert event is not None and event.kind is EventKind.COMMAND
    assert (event.command, event.text, event.language_code) == ("start", "Inv1t3", "nl-BE")
    member = {"user": {"id": 1, "is_bot": True, "first_name": "Bot"}, "until_date": 0}
    blocked = _update(
        {
            "my_chat_member": {
                "chat": CHAT,
                "from": USER,
                "date": 0,
                "old_chat_member": {**member, "status": "member"},
                "new_chat_member": {**member, "status": "kicked"},
            }
        }
    )
    assert (found := decode(blocked)) is not None and found.kind is EventKind.BLOCKED
    group = {"id": -5, "type": "group", "title": "Raad"}
    in_group = _update(
        {"message": {"message_id": 2, "date": 0, "chat": group, "from": USER, "text": "hoi"}}
    )
    assert decode(in_group) is None


def _message(kind: str, language: str = "nl", **params: Any) -> OutboxMessage:
    return OutboxMessage(
        Channel.TELEGRAM, "42", language, kind, params, f"{kind}:x:1:telegram", NOW, 1, id=5
    )


def test_outbox_messages_have_a_chat_version_in_the_contacts_language(env: Env) -> None:
    env_themes = env.themes
    params: dict[str, Any] = {
        "municipality_name": "Gent",
        "reference": "LT-7K3Q9",
        "preferences": [9, 11, 3],
        "deadline": "29/01/2027 17:00",
        "changed_by": "Bert Claes",
    }
    dutch = chat_text(_message("registration.updated", **params), env_themes)
    assert dutch is not None and "gewijzigd door Bert Claes" in dutch
    assert "1. 9 - Leegstand aanpakken" in dutch
    english = chat_text(_message("registration.confirmed", "en", **params), env_themes)
    assert english is not None and "has been received" in english
    assert chat_text(_message("verification.code", code="123456"), env_themes) is None


def test_an_unreachable_chat_falls_back_to_e_mail_once() -> None:
    uow = FakeUnitOfWork()
    uow.contacts.add(Contact("44021", "An", "an@stad.gent", telegram_user_id=42))
    message = _message("registration.updated", municipality_name="Gent")
    copy = by_email_instead(uow, NOW, message)
    assert copy is not None and copy.channel is Channel.EMAIL
    assert copy.recipient == "an@stad.gent" and copy.dedup_key.endswith(":email")
    assert by_email_instead(uow, NOW, message) is None  # never twice

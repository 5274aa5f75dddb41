"""The kick-off invitation in the confirmation e-mail opens in a real calendar parser with the
right time, zone and text, and a resent invitation replaces the agenda entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import icalendar

from core.campaign import Env
from core.model import Channel, OutboxMessage
from mail.render import Renderer, Sender

NOW = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)


def confirmation(municipality: str = "Gent") -> OutboxMessage:
    params = {
        "municipality_name": municipality,
        "theme": 9,
        "theme_title_nl": "Leegstand aanpakken",
        "theme_title_en": "Tackling vacancy",
        "group": "9A",
        "rank": 1,
        "others": ["Aalst", "Lier"],
        "kernmeesters": [],
        "kickoff_at": "2027-03-02T14:00:00+01:00",
        "kickoff_local": "2 maart 2027 om 14:00",
        "kickoff_place": "Brussel",
    }
    return OutboxMessage(
        Channel.EMAIL, "an@gent.example.be", "nl", "assignment.confirmed", params, "k", NOW, id=7
    )


def calendar_part(env: Env, message: OutboxMessage, now: datetime = NOW) -> EmailMessage:
    email = Renderer(env.themes, Sender("intake@vlaio.test", "VLAIO")).build(message, now)
    # As the recipient's client sees it: the bytes on the wire, parsed again.
    received = message_from_bytes(email.as_bytes(), policy=policy.default)
    assert isinstance(received, EmailMessage)
    [part] = [p for p in received.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert isinstance(part, EmailMessage)
    return part


def test_the_calendar_part_declares_utf8_and_the_en_dash_survives(env: Env) -> None:
    part = calendar_part(env, confirmation())
    assert part.get_content_charset() == "utf-8"
    raw = part.get_payload(decode=True)
    assert isinstance(raw, bytes)
    assert "Thema 9 – Leegstand aanpakken (9A)".encode() in raw.replace(b"\r\n ", b"")
    event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Thema 9 – Leegstand aanpakken (9A)"


def test_the_kickoff_is_in_brussels_time_with_its_timezone_and_stamped_when_made(
    env: Env,
) -> None:
    calendar = icalendar.Calendar.from_ical(calendar_part(env, confirmation()).get_content())
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Brussels"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert start == datetime(2027, 3, 2, 13, 0, tzinfo=UTC)
    assert event.decoded("DTEND") - start == timedelta(hours=3)
    assert event.decoded("DTSTAMP") == NOW  # when it was made, not the kick-off


def test_the_uid_is_stable_per_participant_and_kickoff(env: Env) -> None:
    def uid(message: OutboxMessage, now: datetime) -> str:
        calendar = icalendar.Calendar.from_ical(calendar_part(env, message, now).get_content())
        return str(calendar.walk("VEVENT")[0]["UID"])

    first = uid(confirmation("Gent"), NOW)
    assert uid(confirmation("Gent"), NOW + timedelta(days=3)) == first
    assert uid(confirmation("Aalst"), NOW) != first

"""The kick-off as an iCalendar invitation that Outlook and phones add to the agenda.

Times are in Europe/Brussels with that zone's VTIMEZONE in the file, DTSTAMP is when the
invitation was made, and the UID is the same for one participant's kick-off however often it
is sent, so a resent invitation updates the agenda entry instead of adding a second one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

BRUSSELS = ZoneInfo("Europe/Brussels")


def kickoff_ics(
    params: dict[str, Any], organiser: str, domain: str, language: str, now: datetime
) -> str | None:
    """The VCALENDAR text (UTF-8 when encoded), or None when the kick-off has no date yet."""
    if not params.get("kickoff_at"):
        return None
    start = datetime.fromisoformat(str(params["kickoff_at"])).astimezone(BRUSSELS)
    title = params["theme_title_en"] if language == "en" else params["theme_title_nl"]
    label = "Theme" if language == "en" else "Thema"
    calendar = Calendar()
    calendar.add("prodid", "-//VLAIO//Leertraject intake assistant//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", _uid(params, domain))
    event.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=3))
    event.add("summary", f"{label} {params['theme']} – {title} ({params['group']})")
    event.add("location", vText(params.get("kickoff_place") or ""))
    others = ", ".join(params.get("others") or [])
    event.add("description", f"{label} {params['theme']}: {title}\n{others}")
    organizer = vCalAddress(f"MAILTO:{organiser}")
    organizer.params["cn"] = vText("VLAIO")
    event["organizer"] = organizer
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical()).decode("utf-8")


def _uid(params: dict[str, Any], domain: str) -> str:
    """One participant's kick-off: its municipality, theme and group."""
    key = "\x1f".join(str(params.get(k, "")) for k in ("municipality_name", "theme", "group"))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return f"kickoff-{params['theme']}-{params['group']}-{digest}@{domain}"

"""The kick-off as an iCalendar invitation that Outlook and phones add to the agenda."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText


def kickoff_ics(params: dict[str, Any], organiser: str, domain: str, language: str) -> bytes | None:
    if not params.get("kickoff_at"):
        return None
    start = datetime.fromisoformat(str(params["kickoff_at"]))
    title = params["theme_title_en"] if language == "en" else params["theme_title_nl"]
    label = "Theme" if language == "en" else "Thema"
    calendar = Calendar()
    calendar.add("prodid", "-//VLAIO//Leertraject intake assistant//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"leertraject-{params['theme']}-{params['group']}@{domain}")
    event.add("dtstamp", start)
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
    return bytes(calendar.to_ical())

"""Where a reply ends and the quoted or forwarded message begins, and where a signature starts.

Plain text (or HTML rendered by ``mail.html_text``) is cut at ``>`` quotes, at attribution
lines ("Op ... schreef ...:", "On ... wrote:"), at Outlook's header block ("Van: ...
Verzonden: ... Aan: ... Onderwerp: ..."), and at original/forwarded-message separators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_QUOTE = re.compile(r"^\s*((?:>\s?)+)")
_ATTRIBUTION = re.compile(
    r"^(?:op|on|le|am|el|il)\s.{3,}?\s(?:schreef|wrote|a\s+écrit|schrieb|escribió|ha\s+scritto)"
    r"\b.*:\s*$"
    r"|^op\s.{3,}\sheeft\s.+\s(?:het\s+volgende\s+)?geschreven\s*:\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^(?:-{2,}\s*(?:original message|oorspronkelijk bericht|origineel bericht|"
    r"oorspronkelijke bericht|forwarded message|doorgestuurd bericht|"
    r"message d'origine|message transféré|ursprüngliche nachricht|weitergeleitete nachricht)"
    r"\s*-{2,}|_{10,}|begin (?:forwarded|doorgestuurd) (?:message|bericht)\s*:"
    r"|begin van doorgestuurd bericht\s*:)\s*$",
    re.IGNORECASE,
)
_HEADER_NAMES = (
    "van|from|de|von|verzonden|sent|envoyé|gesendet|datum|date|aan|to|à|an|cc|bcc|"
    "onderwerp|subject|objet|betreff|beantwoorden|reply-to|antwoord aan"
)
_HEADER_LINE = re.compile(rf"^\*?(?:{_HEADER_NAMES})\*?\s*:", re.IGNORECASE)
_FROM_LINE = re.compile(r"^\*?(?:van|from|de|von)\*?\s*:\s*\S", re.IGNORECASE)
_SENT_LINE = re.compile(r"^\*?(?:verzonden|sent|envoyé|gesendet|datum|date)\*?\s*:", re.IGNORECASE)
_SUBJECT_LINE = re.compile(r"^\*?(?:onderwerp|subject|objet|betreff)\*?\s*:", re.IGNORECASE)

_GREETINGS = (
    "met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet",
    "vriendelijke groeten", "hartelijke groet", "hartelijke groeten", "beste groeten",
    "vriendelijke groetjes", "groeten", "groetjes", "groet", "mvg", "m.v.g.",
    "kind regards", "best regards", "warm regards", "kindest regards", "regards",
    "best wishes", "hoogachtend", "cordialement", "bien à vous", "mit freundlichen grüßen",
    "viele grüße",
)  # fmt: skip
_THANKS = (
    "many thanks", "thanks", "thank you", "bedankt", "alvast bedankt", "alvast dank",
    "dank u", "dank u wel", "dank je", "dank je wel", "dankjewel", "merci",
)  # fmt: skip
# A greeting may carry a name on its line ("Met vriendelijke groeten, An Peeters"); thanks
# only end the form when they stand nearly alone, so "Bedankt aan alle handelaars" is text.
_GREETING = re.compile(
    r"^(?:" + "|".join(re.escape(c) for c in _GREETINGS) + r")(?=$|[\s,.!;:])",
    re.IGNORECASE,
)
_THANK = re.compile(
    r"^(?:" + "|".join(re.escape(c) for c in _THANKS) + r")[\s,.!]*(?:\S+[\s,.!]*){0,2}$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"^(?:--\s*|—|__)$"
    r"|^(?:verzonden|verstuurd|gestuurd|sent|envoyé|gesendet)\s+(?:vanaf|vanuit|via|met|from|"
    r"with|de|depuis|von)\s+"
    r"|^(?:get|download|haal)\s+outlook\s+(?:for|voor)\s+"
    r"|^von meinem .+ gesendet",
    re.IGNORECASE,
)
_CLOSING_MAX = 45
_MARKER_MAX = 300  # attribution and header lines are short; long lines skip those regexes
_PARTICLES = {"van", "de", "der", "den", "ter", "ten", "vande", "vanden", "le", "la", "du", "d'"}


def quote_depth(line: str) -> tuple[int, str]:
    """How many ``>`` quote the line, and the line without them."""
    m = _QUOTE.match(line)
    if not m:
        return 0, line
    return m.group(1).count(">"), line[m.end() :]


def is_closing(line: str) -> bool:
    """A closing greeting or a signature marker: what follows is not the form."""
    text = line.strip().strip("*_").strip()
    if not text:
        return False
    if _SIGNATURE.match(text):
        return True
    if len(text) <= _CLOSING_MAX and _THANK.match(text):
        return True
    return len(text) <= _CLOSING_MAX and bool(_GREETING.match(text))


def signature_follows(lines: Sequence[str]) -> bool:
    """Whether the next paragraph is a closing or a bare signature block (name, role, org)."""
    para: list[str] = []
    for line in lines:
        text = quote_depth(line)[1].strip()
        if not text:
            if para:
                break
            continue
        para.append(text)
    if not para:
        return True  # nothing but blank lines follows
    if is_closing(para[0]):
        return True
    return (
        len(para) >= 2
        and _looks_like_name(para[0])
        and all(len(p) < 70 and not p.endswith((".", "!", "?", ":")) for p in para)
    )


def _looks_like_name(text: str) -> bool:
    words = text.replace(",", " ").split()
    if not 2 <= len(words) <= 5:
        return False
    for w in words:
        if w.lower() in _PARTICLES:
            continue
        if not (w[0].isupper() and w.replace("-", "").replace("'", "").isalpha()):
            return False
    return True


@dataclass
class Segment:
    """Lines of one message in a reply chain; ``reply`` marks what the sender wrote now."""

    lines: list[str] = field(default_factory=list)
    reply: bool = False


def split_segments(text: str, is_label: Callable[[str], bool] = lambda _: False) -> list[Segment]:
    """[top, quoted 1, quoted 2, ...] as lines without quote marks; top may be empty.

    Text written below a ``>`` quote that holds a label (bottom-posting) is a reply segment
    of its own; other unquoted lines between quoted ones (inline answers) stay with the quote.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    segments = [Segment(reply=True)]

    def start(reply: bool = False) -> None:
        if len(segments) == 1 or segments[-1].lines:
            segments.append(Segment(reply=reply))
        else:
            segments[-1].reply = reply

    i = 0
    prev_depth = 0
    while i < len(lines):
        depth, content = quote_depth(lines[i])
        stripped = content.strip()
        nxt = quote_depth(lines[i + 1])[1].strip() if i + 1 < len(lines) else ""
        short = len(stripped) <= _MARKER_MAX and len(nxt) <= _MARKER_MAX
        if short and (_SEPARATOR.match(stripped) or _ATTRIBUTION.match(stripped)):
            start()
            i += 1
            continue
        if (
            short
            and stripped[:3].lower() in ("op ", "on ", "am ", "le ")
            and nxt
            and _ATTRIBUTION.match(f"{stripped} {nxt}")
        ):
            start()
            i += 2
            continue
        block = _header_block(lines, i) if short else 0
        if block:
            start()
            i += block
            continue
        if depth and len(segments) == 1:
            start()
        elif not depth and stripped and prev_depth and _labelled_block(lines, i, is_label):
            start(reply=True)
        if stripped:
            prev_depth = depth
        segments[-1].lines.append(content)
        i += 1
    return segments


def _labelled_block(lines: Sequence[str], i: int, is_label: Callable[[str], bool]) -> bool:
    """Whether the unquoted lines from i up to the next quoted line hold a label."""
    for line in lines[i:]:
        depth, content = quote_depth(line)
        if depth:
            return False
        if is_label(content.strip()):
            return True
    return False


def _header_block(lines: Sequence[str], i: int) -> int:
    """Length of an Outlook-style header block starting at line i, or 0."""
    first = quote_depth(lines[i])[1].strip()
    if not _FROM_LINE.match(first):
        return 0
    window = [quote_depth(line)[1].strip() for line in lines[i : i + 10]]
    if not any(_SENT_LINE.match(w) for w in window[1:]):
        return 0
    if not any(_SUBJECT_LINE.match(w) for w in window[1:]):
        return 0
    n = 1
    seen_subject = False
    while n < len(window):
        line = window[n]
        if _HEADER_LINE.match(line):
            seen_subject = seen_subject or bool(_SUBJECT_LINE.match(line))
        elif not line or ":" in line or seen_subject:
            break  # a wrapped address list continues a header; anything else ends the block
        n += 1
    return n

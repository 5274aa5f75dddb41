"""Registration fields from the text of an e-mail (the template is written back out by
``mail.replies.render_template``).

The labels come from core's registration form (``core.form.email_labels()``); nothing here
knows the fields. Raw strings only: resolving "Gent" or "9 - Leegstand aanpakken" to ids is
core's job.

A message is cut into segments: what the official wrote on top, then each quoted or forwarded
message below it. Every segment is read up to its closing greeting or signature. A field
takes its value from the newest segment that has one, so values on top win over the quoted
invitation, values typed into a quoted template count when nothing is on top, and a
correction on top of a returned template keeps the rest of that template. Within one segment
a field given twice with different values, or corrected in prose, becomes a question
(mail/corrections.py). How one value is cleaned (hints, placeholders, one-line lists) is in
mail/template_values.py.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.preferences import split_preferences
from core.validators import Conflict
from mail.corrections import CorrectionFinder, disagree, same
from mail.corrections import apply as apply_corrections
from mail.quoting import is_closing, signature_follows, split_segments
from mail.template_values import clean_value, squeeze

__all__ = [
    "ExtractedForm",
    "TemplateSpec",
    "extract_best",
    "extract_form",
]

Source = Literal["top", "quoted", "mixed", "none"]

_SEPARATOR = r"(?:\s*[:：=]|\t|\s{2,}|\s+[-–]\s|\s*$)"
_HINT = r"(?:\s*\((?P<hint>[^()]*)\))?"
_RANK_SUFFIX = r"(?:e|ste|de|st|nd|rd|th)?"
_ORDINALS = {
    "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
}  # fmt: skip
_BULLET = re.compile(r"^(?:[-*•·▪◦–]\s*|\*\*)+")
_LIST_ITEM = re.compile(r"^[-*•·▪◦–]\s")
_EMPHASIS = re.compile(r"[*_]{1,3}(?=\s?[:：])|(?<=[:：])[*_]{1,3}")
_EXPLICIT = re.compile(r"^\s*(?:\([^()]*\)\s*)?[:：=]")
_ITEM_NUMBER = re.compile(r"^\(?(\d{1,2})\s*[.)]\s+(?=\S)")


@dataclass(frozen=True)
class ExtractedForm:
    """What the template in a message says, as typed.

    ``values`` holds every non-empty field except the list field's numbered entries, which
    are in ``preferences`` in rank order (a one-line list also keeps its raw text in
    ``values``). ``found_labels`` are the fields whose label appeared at all, even empty.
    """

    values: dict[str, str]
    preferences: list[str]
    found_labels: frozenset[str]
    source: Source

    @property
    def empty(self) -> bool:
        return not self.values and not self.preferences


class TemplateSpec:
    """The labels to look for, compiled once.

    ``labels`` maps field key -> label aliases (any language); ``list_field`` is the ranked
    field ("Voorkeur 1:"); ``name_field`` takes the sender's display name when a template
    has no name of its own; ``multiline_fields`` may run over several lines;
    ``protected_phrases`` (e.g. theme titles containing "," or " en ") are never split when
    a one-line list is split.
    """

    def __init__(
        self,
        labels: Mapping[str, Sequence[str]],
        *,
        list_field: str = "preferences",
        name_field: str = "contact_name",
        multiline_fields: Collection[str] = (),
        protected_phrases: Collection[str] = (),
    ) -> None:
        self.list_field = list_field
        self.name_field = name_field if name_field in labels else None
        self.corrections = CorrectionFinder(labels, list_field)
        self.multiline_fields = frozenset(multiline_fields)
        self.protected = sorted({p for p in protected_phrases if p.strip()}, key=len, reverse=True)
        pairs = [(key, alias) for key, aliases in labels.items() for alias in aliases if alias]
        pairs.sort(key=lambda p: len(p[1]), reverse=True)
        groups = "|".join(f"(?P<k{i}>{_alias_pattern(a)})" for i, (_, a) in enumerate(pairs))
        self._group_key = {f"k{i}": key for i, (key, _) in enumerate(pairs)}
        list_aliases = [a for key, a in pairs if key == list_field]
        rank = rf"(?:\s*(?:(?:nr\.?|no\.?|n°|#)\s*)?(?P<rank>\d{{1,2}}){_RANK_SUFFIX}\b\.?)?"
        self._label = re.compile(rf"^(?:{groups})\.?{rank}", re.IGNORECASE)
        self._tail = re.compile(rf"^{_HINT}{_SEPARATOR}(?P<value>.*)$", re.IGNORECASE)
        # "Hierbij onze voorkeuren:" with the list on the next lines
        self._trailing = re.compile(rf"\s(?:{groups})\s*[:：]$", re.IGNORECASE)
        ordinals = "|".join(_ORDINALS)
        self._prefix_rank = None
        if list_aliases:
            alt = "|".join(_alias_pattern(a) for a in list_aliases)
            self._prefix_rank = re.compile(
                rf"^(?:(?P<num>\d{{1,2}})\s*{_RANK_SUFFIX}\.?|(?P<word>{ordinals}))\s+"
                rf"(?:{alt})\b{_HINT}{_SEPARATOR}(?P<value>.*)$",
                re.IGNORECASE,
            )

    def match(self, line: str) -> tuple[str, int | None, str, bool] | None:
        """(key, rank, value, bare) for a label line; bare = the label stood alone."""
        text = _BULLET.sub("", squeeze(line)).replace("**", "").strip()
        text = _EMPHASIS.sub("", text)  # "*Gemeente:* Gent" from a plain-text rendering
        if self._prefix_rank is not None:
            m = self._prefix_rank.match(text)
            if m:
                num = m.group("num")
                ordinal = int(num) if num else _ORDINALS[m.group("word").lower()]
                return self.list_field, ordinal, m.group("value"), False
        m = self._label.match(text)
        if not m:
            return self._trailing_label(text)
        groups = m.groupdict()
        key = next(k for g, k in self._group_key.items() if groups.get(g))
        rank_text = m.group("rank")
        if rank_text is not None and key != self.list_field:
            return None  # "Stad 2030: ..." is prose, not the municipality
        tail = self._tail.match(text[m.end() :])
        if not tail:
            return None
        rank = int(rank_text) if rank_text else None
        value = tail.group("value")
        bare = not value.strip() and not _EXPLICIT.match(text[m.end() :])
        return key, rank, value, bare

    def _trailing_label(self, text: str) -> tuple[str, int | None, str, bool] | None:
        """A label that ends a sentence line ("Dit zijn onze keuzes:"): the value follows."""
        if len(text) > 200 or not text.endswith((":", "：")):
            return None
        m = self._trailing.search(text)
        if not m:
            return None
        key = next(k for g, k in self._group_key.items() if m.group(g))
        return key, None, "", False


def _alias_pattern(alias: str) -> str:
    words = re.split(r"([\s-]+)", alias.strip())
    out = []
    for w in words:
        if not w:
            continue
        if w.isspace():
            out.append(r"\s+")
        elif set(w) <= set("- \t"):
            out.append(r"\s*-?\s*")
        else:
            out.append(re.escape(w))
    return "".join(out) + r"(?:[\s-]*(?:nummer|number|nr|adres|address))?(?![\w-])"


# --- one segment -------------------------------------------------------------------------


@dataclass
class _Section:
    values: dict[str, str]
    ranked: dict[int, str]
    items: list[str]
    found: set[str]
    corrections: list[tuple[str, int | None, str]] = field(default_factory=list)

    def add_items(self, key: str, items: list[str], raw: str) -> None:
        """A whole list; a second, different list for the same field is a conflict."""
        if not items:
            return
        if self.items and not same(", ".join(self.items), ", ".join(items)):
            earlier = self.values.get(key) or ", ".join(self.items)
            self.values[key] = disagree(earlier, raw or ", ".join(items))
            self.items = []
        elif not self.items and not isinstance(self.values.get(key), Conflict):
            self.items = items
            if raw:
                self.values[key] = raw

    def preferences(self) -> list[str]:
        if self.ranked:
            return [self.ranked[r] for r in sorted(self.ranked)]
        return self.items


def _item_text(line: str) -> str:
    text = _BULLET.sub("", line.strip()).strip()
    return _ITEM_NUMBER.sub("", text).strip()


def _parse_segment(
    lines: Sequence[str], spec: TemplateSpec, sender_name: str, quoted: bool
) -> _Section:
    sec = _Section({}, {}, [], set())
    cur = _Field(None, None, False, False)
    for index, line in enumerate(lines):
        stripped = squeeze(line)
        if is_closing(stripped) or _is_sender_name(stripped, sender_name):
            break
        # In a quoted message of ours, "- Functie: dit veld is verplicht" is an item of its
        # list of errors, not a template line; the official's own lines may carry bullets.
        corrected = None if quoted else spec.corrections.find(stripped)
        if corrected is not None:  # never glued onto the free text above it
            cur.finish(sec, spec)
            sec.corrections.append((*corrected, stripped))
            continue
        found = None if quoted and _LIST_ITEM.match(stripped) else spec.match(stripped)
        if found is not None:
            cur.finish(sec, spec)
            key, rank, value, bare = found
            sec.found.add(key)
            cur = _Field(key, rank, bare, bool(clean_value(value)))
            if cur.inline:
                cur.lines.append(value.strip())
            continue
        if cur.key is None:
            continue
        multiline = cur.key in spec.multiline_fields
        items = cur.key == spec.list_field and cur.rank is None and not cur.inline
        if not stripped:
            cur.blanks += 1
            if multiline:
                if signature_follows(lines[index + 1 :]) or _lone_name_ends(lines[index + 1 :]):
                    break
                if not cur.lines and not cur.bare:
                    cur.finish(sec, spec)  # "Acties:", a blank line, "Jan": Jan is no value
                    continue
                if cur.lines:
                    cur.lines.append("")
                continue
            if not cur.lines and cur.blanks <= 1 and (cur.bare or items):
                continue  # "Gemeente" in one table cell, "Gent" a blank line below
            cur.finish(sec, spec)
            continue
        if multiline or (items and (not cur.lines or not cur.blanks)):
            cur.lines.append(stripped)
        elif not cur.lines and not cur.inline:
            cur.lines.append(stripped)  # the value on the line below its label
            cur.finish(sec, spec)
        else:
            cur.finish(sec, spec)
        cur.blanks = 0
    cur.finish(sec, spec)
    return sec


@dataclass
class _Field:
    """The field being read: its label line, and the lines that belong to it."""

    key: str | None
    rank: int | None
    bare: bool
    inline: bool
    blanks: int = 0
    lines: list[str] = field(default_factory=list)

    def finish(self, sec: _Section, spec: TemplateSpec) -> None:
        key, self.key = self.key, None
        if key is None or not self.lines:
            return
        if key != spec.list_field:
            text = "\n".join(clean_value(t) if t else "" for t in self.lines).strip()
            if text:
                text = re.sub(r"\n{3,}", "\n\n", text)
                sec.values[key] = disagree(sec.values.get(key), text)
        elif self.rank is not None:
            value = clean_value(self.lines[0])
            if value:
                sec.ranked[self.rank] = disagree(sec.ranked.get(self.rank), value)
        else:
            if self.inline:
                items = split_preferences(clean_value(self.lines[0]), spec.protected)
            elif len(self.lines) == 1:
                items = split_preferences(clean_value(_item_text(self.lines[0])), spec.protected)
            else:
                items = [i for i in (clean_value(_item_text(t)) for t in self.lines) if i]
            sec.add_items(key, items, clean_value(self.lines[0]) if self.inline else "")


def _lone_name_ends(lines: Sequence[str]) -> bool:
    """One or two capitalised words alone at the end ("Jan", "An Peeters"): a signature."""
    rest = [squeeze(line) for line in lines if line.strip()]
    if len(rest) != 1 or len(rest[0]) > 40:
        return False
    words = rest[0].split()
    return len(words) <= 2 and all(w[0].isupper() and w.replace("-", "").isalpha() for w in words)


def _display_name(sender_name: str) -> str:
    name = " ".join(sender_name.replace('"', " ").split()).strip(" ,.'")
    return "" if "@" in name or not any(c.isalpha() for c in name) else name


def _is_sender_name(line: str, sender_name: str) -> bool:
    name = " ".join(sender_name.split()).casefold()
    return bool(name) and " ".join(line.split()).casefold().rstrip(",.") == name


# --- the whole message -------------------------------------------------------------------


def extract_form(text: str, spec: TemplateSpec, *, sender_name: str = "") -> ExtractedForm:
    """The registration fields in a message body; a field's newest value wins."""
    segments = split_segments(text, lambda line: spec.match(line) is not None)
    ordered = [s for s in segments if s.reply] + [s for s in segments if not s.reply]
    sections = [(s.reply, _parse_segment(s.lines, spec, sender_name, not s.reply)) for s in ordered]
    values: dict[str, str] = {}
    origin: set[bool] = set()
    prefs_done = False
    preferences: list[str] = []
    for reply, sec in sections:
        prefs = sec.preferences()
        if isinstance(sec.values.get(spec.list_field), Conflict) and not prefs_done:
            prefs_done = True  # two different lists in one message: asked, not chosen
            values[spec.list_field] = sec.values[spec.list_field]
            origin.add(reply)
        for key, value in sec.values.items():
            if key == spec.list_field and (prefs_done or not prefs):
                continue  # the raw one-line list goes with the list it came from
            if key not in values:
                values[key] = value
                origin.add(reply)
        if prefs and not prefs_done:
            preferences, prefs_done = prefs, True
            origin.add(reply)
    found = frozenset(k for _, sec in sections for k in sec.found)
    for _, sec in sections:
        apply_corrections(sec.corrections, values, preferences, spec.list_field)
    if (values or preferences) and spec.name_field and spec.name_field not in values:
        name = _display_name(sender_name)
        if name:  # the From display name serves when the template has no name
            values[spec.name_field] = name
    source: Source = "none"
    if origin == {True}:
        source = "top"
    elif origin == {False}:
        source = "quoted"
    elif origin:
        source = "mixed"
    return ExtractedForm(values, preferences, found, source)


def extract_best(
    texts: Sequence[str], spec: TemplateSpec, *, sender_name: str = ""
) -> ExtractedForm:
    """The reading of the richest rendering (text/plain or HTML) of the same message."""
    best = ExtractedForm({}, [], frozenset(), "none")
    best_score = -1
    for text in texts:
        form = extract_form(text, spec, sender_name=sender_name)
        score = len(form.values) + len(form.preferences)
        if score > best_score:
            best, best_score = form, score
    return best

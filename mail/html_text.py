"""HTML mail -> plain text that keeps the line structure a template parser needs.

Outlook writes one ``<p class=MsoNormal>`` per line, Gmail one ``<div>`` per line and
``<div><br></div>`` for a blank one; a two-column table row becomes ``cell1: cell2`` so
"Gemeente | Gent" still reads "Gemeente: Gent". Quoted replies in ``<blockquote>`` get
"> " prefixes, as in plain-text mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "center",
    "address", "article", "section", "header", "footer", "form", "fieldset", "figure", "hr",
}  # fmt: skip
_SKIP = {"style", "script", "head", "title", "template", "noscript", "xml", "object"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"}
_WS = re.compile(r"[ \t\n\r\f\v\xa0]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\xad"))
_LABEL_CELL_MAX = 60


class _Lines:
    """A text buffer that knows whether it stands at the start of a line."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]

    def write(self, text: str) -> None:
        parts = text.split("\n")
        self.lines[-1] += parts[0]
        self.lines.extend(parts[1:])

    def words(self, text: str) -> None:
        text = _WS.sub(" ", text)
        if not self.lines[-1].strip() or self.lines[-1].endswith(" "):
            text = text.lstrip(" ")
        self.lines[-1] += text

    def newline(self) -> None:
        self.lines.append("")

    def break_line(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines).strip("\n")


@dataclass
class _Table:
    row: list[str] = field(default_factory=list)
    in_row: bool = False


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Lines] = [_Lines()]
        self.tables: list[_Table] = []
        self.cells: list[bool] = []  # one per table: is a cell open
        self.skip = 0
        self.pre = 0
        self.quote = 0
        self.blank_pending = False  # Outlook's "<p>&nbsp;</p>" is a visible empty line

    @property
    def out(self) -> _Lines:
        return self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skip = 0  # a <head> left open must not swallow the message
            return
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self._mark_quote()
            self.out.newline()
        elif tag == "table":
            self.out.break_line()
            self.tables.append(_Table())
            self.cells.append(False)
        elif tag == "tr" and self.tables:
            self._end_row()
            self.tables[-1].in_row = True
        elif tag in ("td", "th") and self.tables:
            self._end_cell()
            self.tables[-1].in_row = True
            self.cells[-1] = True
            self.stack.append(_Lines())
        elif tag == "blockquote":
            self.out.break_line()
            self.quote += 1
        elif tag == "li":
            self.out.break_line()
            self._mark_quote()
            self.out.write("- ")
        elif tag == "pre":
            self.out.break_line()
            self.pre += 1
        elif tag in _BLOCK:
            self.out.break_line()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table" and self.tables:
            self._end_row()
            self.tables.pop()
            self.cells.pop()
            self.out.break_line()
        elif tag == "blockquote":
            self.out.break_line()
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.out.break_line()
        elif tag in _BLOCK or tag == "li":
            if self.blank_pending and not self.out.lines[-1]:
                self._mark_quote()
                self.out.newline()
            self.out.break_line()
            self.blank_pending = False

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = data.translate(_INVISIBLE)
        if self.pre:
            for i, piece in enumerate(data.replace("\xa0", " ").split("\n")):
                if i:
                    self.out.newline()
                self._mark_quote()
                self.out.write(piece)
            return
        if not data.strip(" \t\n\r\f\v\xa0") and not self.out.lines[-1]:
            self.blank_pending = self.blank_pending or "\xa0" in data
            return
        self.blank_pending = False
        self._mark_quote()
        self.out.words(data)

    def _mark_quote(self) -> None:
        if self.quote and not self.out.lines[-1] and len(self.stack) == 1:
            self.out.write("> " * self.quote)

    def _end_cell(self) -> None:
        if not self.cells or not self.cells[-1]:
            return
        cell = self.stack.pop()
        self.cells[-1] = False
        self.tables[-1].row.append(cell.text().strip())

    def _end_row(self) -> None:
        if not self.tables:
            return
        self._end_cell()
        table = self.tables[-1]
        line = _row_text(table.row)
        table.row = []
        table.in_row = False
        if line:
            self.out.break_line()
            for i, piece in enumerate(line.split("\n")):
                if i:
                    self.out.newline()
                self._mark_quote()
                self.out.write(piece)
            self.out.newline()

    def text(self) -> str:
        while len(self.stack) > 1 or self.tables:
            if self.tables:
                self._end_row()
                self.tables.pop()
                self.cells.pop()
            else:
                cell = self.stack.pop()
                self.out.write(cell.text())
        return self.out.text()


def _row_text(cells: list[str]) -> str:
    cells = [c for c in cells if c]
    if not cells:
        return ""
    if len(cells) == 1:
        return cells[0]
    label, rest = cells[0], cells[1:]
    if "\n" in label or len(label) > _LABEL_CELL_MAX:
        return "\n".join(cells)
    value = " ".join(rest) if all("\n" not in c for c in rest) else "\n".join(rest)
    joiner = " " if label.rstrip().endswith((":", "：")) else ": "
    return label.rstrip() + joiner + value


def html_to_text(html: str) -> str:
    """Readable text of an HTML body; never raises on malformed markup."""
    converter = _Converter()
    try:
        converter.feed(html)
        converter.close()
    except Exception:  # html.parser is lenient, but an odd declaration must not lose the mail
        pass
    text = converter.text()
    return re.sub(r"\n{3,}", "\n\n", text)

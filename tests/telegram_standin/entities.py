"""Telegram's formatting parsers (HTML, MarkdownV2, legacy Markdown), reduced to what matters
for a bot's correctness: the plain text that is left (its length is what counts against the
limit), the entities (offsets in UTF-16 code units) and the parse errors Telegram answers with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .models import ApiError, bad_request
from .rules import utf16_len

JSON = dict[str, Any]

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r"""([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?""")
_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def _error(message: str) -> ApiError:
    return bad_request(f"can't parse entities: {message}", "parse_entities", message)


@dataclass
class _Builder:
    source: str
    parts: list[str] = field(default_factory=list)
    offset: int = 0  # UTF-16 units of plain text so far
    entities: list[JSON] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start})
            self.entities[-1].update(extra)

    def result(self) -> tuple[str, list[JSON]]:
        ordered = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ordered


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """Plain text and entities of ``text`` as Telegram would store it."""
    if parse_mode is None or parse_mode == "":
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown(text, v2=True)
    if mode == "markdown":
        return _parse_markdown(text, v2=False)
    raise bad_request(f"unsupported parse_mode {parse_mode!r}", "bad_parse_mode")


def _parse_html(text: str) -> tuple[str, list[JSON]]:
    out = _Builder(text)
    stack: list[tuple[str, int, dict[str, str]]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "<":
            end = text.find(">", i)
            if end == -1:
                raise _error(f"Unclosed start tag at byte offset {out.byte_offset(i)}")
            inner = text[i + 1 : end].strip()
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise _error(f"Unexpected end tag at byte offset {out.byte_offset(i)}")
                if stack[-1][0] != name:
                    raise _error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
                _close_html(out, stack)
            else:
                name, _, rest = inner.partition(" ")
                name = name.lower()
                if name not in _HTML_TAGS:
                    raise _error(
                        f'Unsupported start tag "{name}" at byte offset {out.byte_offset(i)}'
                    )
                attrs = {m[1].lower(): m[2] or m[3] or m[4] or "" for m in _ATTR.finditer(rest)}
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise _error(
                        f'Unsupported start tag "span" at byte offset {out.byte_offset(i)}'
                    )
                stack.append((name, out.offset, attrs))
            i = end + 1
        elif char == "&":
            match = re.match(r"&(#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z]+);", text[i:])
            if match and match[1].startswith("#x"):
                out.add(chr(int(match[1][2:], 16)))
            elif match and match[1].startswith("#"):
                out.add(chr(int(match[1][1:])))
            elif match and match[1] in _NAMED_ENTITIES:
                out.add(_NAMED_ENTITIES[match[1]])
            else:  # Telegram keeps an unknown or bare ampersand as text
                out.add("&")
                i += 1
                continue
            i += len(match[0])
        else:
            out.add(char)
            i += 1
    if stack:
        raise _error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html(out: _Builder, stack: list[tuple[str, int, dict[str, str]]]) -> None:
    name, start, attrs = stack.pop()
    kind = _HTML_TAGS[name]
    if kind == "text_link":
        href = attrs.get("href", "")
        if href.startswith("tg://user?id="):
            out.entity("text_mention", start, user={"id": int(href.split("=", 1)[1] or 0)})
        else:
            out.entity("text_link", start, url=href)
    elif kind == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "").removeprefix("language-")
        if language:
            stack[-1][2]["language"] = language
    elif kind == "pre" and attrs.get("language"):
        out.entity("pre", start, language=attrs["language"])
    elif kind == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
    elif kind == "custom_emoji":
        out.entity("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id", ""))
    else:
        out.entity(kind, start)


_MD2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}
_MD2_MARKERS["||"] = "spoiler"
_MD1_MARKERS = {"*": "bold", "_": "italic"}
_KIND_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "code": "Code",
    "pre": "Pre",
}


def _parse_markdown(text: str, *, v2: bool) -> tuple[str, list[JSON]]:
    out = _Builder(text)
    markers = _MD2_MARKERS if v2 else _MD1_MARKERS
    open_: dict[str, tuple[int, int]] = {}  # marker -> (plain offset, source index)
    link_start: tuple[int, int] | None = None
    quote_start: int | None = None  # MarkdownV2 ">" lines form one blockquote
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and (v2 or text[i + 1] in "_*`["):
            out.add(text[i + 1])
            i += 2
            continue
        if char == "`":
            i = _markdown_code(text, i, out, v2)
            continue
        marker = text[i : i + 2] if text[i : i + 2] in ("__", "||") and v2 else char
        if marker in markers:
            if marker in open_:
                start, _ = open_.pop(marker)
                out.entity(markers[marker], start)
            else:
                open_[marker] = (out.offset, i)
            i += len(marker)
        elif char == "[" and link_start is None:
            link_start = (out.offset, i)
            i += 1
        elif char == "]" and link_start is not None:
            match = re.match(r"\]\(((?:\\.|[^)\\])*)\)", text[i:])
            if not match:
                where = out.byte_offset(link_start[1])
                raise _error(f"Can't find end of the entity starting at byte offset {where}")
            out.entity("text_link", link_start[0], url=re.sub(r"\\(.)", r"\1", match[1]))
            link_start = None
            i += len(match[0])
        elif v2 and char == ">" and (i == 0 or text[i - 1] == "\n"):
            quote_start = out.offset if quote_start is None else quote_start
            i += 1
        elif char == "\n" and quote_start is not None and not text.startswith(">", i + 1):
            out.entity("blockquote", quote_start)
            quote_start = None
            out.add(char)
            i += 1
        elif v2 and char in _MD2_RESERVED:
            raise _error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            out.add(char)
            i += 1
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    pending = [(index, markers[m]) for m, (_, index) in open_.items()]
    if link_start is not None:
        pending.append((link_start[1], "text_link"))
    if pending:
        index, kind = min(pending)
        where = out.byte_offset(index)
        if v2:
            raise _error(f"Can't find end of {_KIND_NAMES[kind]} entity at byte offset {where}")
        raise _error(f"Can't find end of the entity starting at byte offset {where}")
    return out.result()


def _markdown_code(text: str, i: int, out: _Builder, v2: bool) -> int:
    """Parse inline code or a pre block starting at ``text[i] == '`'``; return the next index."""
    fence = "```" if text.startswith("```", i) else "`"
    j = i + len(fence)
    language = ""
    if fence == "```":
        newline = text.find("\n", j)
        first_line = text[j:newline] if newline != -1 else ""
        if newline != -1 and first_line and " " not in first_line:
            language, j = first_line, newline + 1
    start = out.offset
    while j < len(text):
        if v2 and text[j] == "\\" and j + 1 < len(text):
            out.add(text[j + 1])
            j += 2
            continue
        if text.startswith(fence, j):
            if fence == "```":
                extra = {"language": language} if language else {}
                out.entity("pre", start, **extra)
            else:
                out.entity("code", start)
            return j + len(fence)
        out.add(text[j])
        j += 1
    kind = "Pre" if fence == "```" else "Code"
    where = out.byte_offset(i)
    if v2:
        raise _error(f"Can't find end of {kind} entity at byte offset {where}")
    raise _error(f"Can't find end of the entity starting at byte offset {where}")

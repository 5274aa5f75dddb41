"""Reading requests as Telegram's servers do: query string plus a urlencoded, multipart or
JSON body (python-telegram-bot sends urlencoded forms, and multipart when it uploads files)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from .params import UploadedFile


class RequestError(Exception):
    pass


def parse_request(
    content_type: str, body: bytes, query: str
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters from the query string and a urlencoded, multipart or JSON body."""
    values: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    files: dict[str, UploadedFile] = {}
    kind, _, options = content_type.partition(";")
    kind = kind.strip().lower()
    if not body:
        return values, files
    if kind == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise RequestError("the JSON body must be an object")
        values.update(data)
    elif kind in ("application/x-www-form-urlencoded", ""):
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        values.update({k: v[-1] for k, v in form.items()})
    elif kind == "multipart/form-data":
        match = re.search(r'boundary="?([^";]+)"?', options)
        if not match:
            raise RequestError("multipart body without boundary")
        _parse_multipart(body, match[1].encode("latin-1"), values, files)
    else:
        raise RequestError(f"unsupported content type {kind!r}")
    return values, files


def _header_param(header: str, name: str) -> str | None:
    match = re.search(rf';\s*{name}="((?:[^"\\]|\\.)*)"', header)
    if not match:
        return None
    # httpx escapes form parameters HTML5-style: '"' as %22, control characters as %XX.
    value = re.sub(r"%(22|[01][0-9A-Fa-f])", lambda m: chr(int(m[1], 16)), match[1])
    return value.replace("\\\\", "\\")


def _parse_multipart(
    body: bytes, boundary: bytes, values: dict[str, Any], files: dict[str, UploadedFile]
) -> None:
    for section in body.split(b"--" + boundary)[1:]:
        if section.startswith(b"--"):
            break
        head, _, content = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _header_param(disposition, "name")
        if name is None:
            continue
        filename = _header_param(disposition, "filename")
        if filename is None and "filename" not in disposition:
            values[name] = content.decode("utf-8")
        else:
            files[name] = UploadedFile(name, filename, headers.get("content-type"), content)

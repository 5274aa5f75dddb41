"""A template attached as a Word file is read, and an attachment never costs more than a
bounded amount of memory or time (it is hostile input)."""

from __future__ import annotations

import io
import time
import zipfile

from mail.attachments import MAX_XML_BYTES, docx_text

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(document_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def test_a_word_document_gives_its_paragraphs_one_per_line() -> None:
    xml = (
        f"<w:document {W}><w:body><w:p><w:r><w:t>Gemeente:</w:t></w:r><w:r><w:tab/>"
        "<w:t>Tienen</w:t></w:r></w:p><w:p><w:r><w:t>Realisaties: markt &amp; plein"
        "</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    assert docx_text(docx(xml)) == "Gemeente:\tTienen\nRealisaties: markt & plein"


def test_a_zip_bomb_a_broken_file_or_another_zip_give_nothing_quickly() -> None:
    bomb = docx(b"<w:p>" + b"\x00" * (MAX_XML_BYTES * 20) + b"</w:p>")
    assert len(bomb) < MAX_XML_BYTES  # small on the wire, forty megabytes unpacked
    started = time.monotonic()
    assert docx_text(bomb) == ""
    assert time.monotonic() - started < 1.0
    assert docx_text(b"PK\x03\x04 not really a zip") == ""
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as package:
        package.writestr("content.xml", "<office:document/>")
    assert docx_text(other.getvalue()) == ""

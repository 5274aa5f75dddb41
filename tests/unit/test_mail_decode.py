"""Decoding: no message is ever lost, and every client's encoding reads as the official wrote it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from mail.decode import decode_message, unflow
from mail.headers import decode_bytes
from mail.html_text import html_to_text

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "mail"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["messages"]


def load(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_corpus_message_decodes_with_its_id_and_sender(name: str) -> None:
    mail = decode_message(load(name))
    assert mail.message_id == EXPECTED[name]["message_id"]
    assert mail.from_address == EXPECTED[name]["from"]
    assert mail.raw_size == len(load(name))


def test_the_corpus_list_and_the_expectations_cover_the_same_files() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


# --- headers that make Python's default policy raise ---------------------------------------


def test_a_message_id_with_brackets_inside_is_kept_not_lost() -> None:
    mail = decode_message(load("broken_message_id_brackets.eml"))
    assert mail.message_id == "<[d1e5t-2025]>"
    assert mail.header("Message-ID") == "<[d1e5t-2025]>"


def test_a_half_typed_address_in_to_leaves_the_good_one() -> None:
    mail = decode_message(load("broken_message_id_brackets.eml"))
    assert mail.to == ("intake@vlaio.test",)


def test_a_trailing_comma_in_cc_keeps_the_copied_address() -> None:
    mail = decode_message(load("broken_cc_trailing_comma.eml"))
    assert mail.cc == ("secretariaat@ninove.example.be",)


def test_a_content_type_name_star_falls_back_to_the_lenient_parser_and_keeps_the_body() -> None:
    mail = decode_message(load("broken_content_type_name_star.eml"))
    assert mail.policy_fallback
    assert "Gemeente: Maaseik" in mail.body
    assert mail.attachments == ()


def test_header_accessors_never_raise_on_garbage() -> None:
    raw = (
        b'From: =?x-unknown?q?Bad?= <a@b.be>, "unterminated\r\n'
        b"Subject: =?utf-8?b?not base64!?=\r\n"
        b"Date: yesterday-ish\r\n"
        b"Message-ID: \r\n"
        b"References: <a@b> junk <c@d>\r\n\r\nhi\r\n"
    )
    mail = decode_message(raw)
    assert mail.date is None
    assert mail.message_id.startswith("sha256:")
    assert mail.references == ("<a@b>", "<c@d>")
    assert mail.header("X-Not-There") == ""
    assert isinstance(mail.subject, str)
    assert mail.from_address == "a@b.be"


def test_a_message_without_message_id_gets_a_stable_hash_id() -> None:
    raw = load("no_message_id.eml")
    first = decode_message(raw).message_id
    assert first.startswith("sha256:")
    assert decode_message(raw).message_id == first
    assert decode_message(raw + b"\n").message_id != first


def test_threading_headers_are_read_for_matching_replies_to_our_mail() -> None:
    mail = decode_message(load("reply_typed_into_quote.eml"))
    assert mail.in_reply_to == "<invitation-2025-0001@vlaio.test>"
    assert mail.references == ("<invitation-2025-0001@vlaio.test>",)
    assert mail.date == datetime(2025, 6, 12, 8, 30, tzinfo=UTC)


# --- encodings --------------------------------------------------------------------------


def test_rfc2047_subject_and_sender_name_are_decoded() -> None:
    mail = decode_message(load("rfc2047_mislabelled_utf8.eml"))
    assert mail.subject == "Inschrijving leertraject – Sint-Niklaas"
    assert mail.from_name == "Zoë Martens"


def test_utf8_body_declared_as_latin1_still_reads_right() -> None:
    mail = decode_message(load("rfc2047_mislabelled_utf8.eml"))
    assert "Contactpersoon: Zoë Martens" in mail.body


def test_8bit_latin1_body_keeps_accents() -> None:
    mail = decode_message(load("latin1_8bit.eml"))
    assert "Frédérique Vandeweyer" in mail.body
    assert "Coördinator" in mail.body
    assert mail.from_name == "Frédérique Vandeweyer"


def test_windows_1252_without_charset_keeps_curly_quotes_and_euro() -> None:
    mail = decode_message(load("cp1252_curly_quotes.eml"))
    assert "Kris D’hondt" in mail.body
    assert "“Winkelen in Zelzate” met € 20.000" in mail.body


def test_quoted_printable_soft_breaks_are_joined() -> None:
    mail = decode_message(load("quoted_printable_utf8.eml"))
    assert "een nieuwe bewegwijzering voor voetgangers vanaf het station" in mail.body
    assert "Gaëlle Dubois" in mail.body


def test_base64_body_is_decoded() -> None:
    assert "Gemeente: Roeselare" in decode_message(load("base64_body.eml")).body


def test_format_flowed_lines_from_an_iphone_are_joined() -> None:
    mail = decode_message(load("iphone_plain_flowed.eml"))
    assert "Antwerpsestraat en een betere verbinding" in mail.body


def test_unflow_keeps_quote_depths_and_the_signature_separator_apart() -> None:
    text = "> Gemeente: \n> Brugge\n>> deep \n>> line\n-- \nJan"
    assert unflow(text, delsp=False) == "> Gemeente: Brugge\n>> deep line\n-- \nJan"
    assert unflow("aa \nbb", delsp=True) == "aabb"


@pytest.mark.parametrize(
    ("data", "declared", "text"),
    [
        ("café".encode(), "iso-8859-1", "café"),
        ("café".encode("latin-1"), "utf-8", "café"),
        ("“x”".encode("cp1252"), "us-ascii", "“x”"),
        ("café".encode("latin-1"), "x-unknown-charset", "café"),
        (b"plain", None, "plain"),
    ],
)
def test_wrong_or_missing_charsets_fall_back_sensibly(
    data: bytes, declared: str | None, text: str
) -> None:
    assert decode_bytes(data, declared) == text


# --- HTML -------------------------------------------------------------------------------


def test_outlook_html_paragraphs_become_lines_and_the_style_is_dropped() -> None:
    mail = decode_message(load("outlook_html_wordsection.eml"))
    assert mail.body_kind == "html"
    lines = mail.body.splitlines()
    assert "Gemeente: Mechelen" in lines
    assert "Telefoon: 015 29 75 00" in lines
    assert "Realisaties: Nieuwe markt & pleinen." in lines
    assert "font-family" not in mail.body
    assert "mso" not in mail.body


def test_an_outlook_table_row_reads_label_colon_value() -> None:
    mail = decode_message(load("outlook_html_table.eml"))
    lines = mail.body.splitlines()
    assert "Gemeente: Leuven" in lines
    assert "Voorkeur 1: 8 - Duurzame stadsdistributie" in lines
    assert "Telefoon" in lines  # an empty cell is no value


def test_attachments_are_skipped_but_reported() -> None:
    mail = decode_message(load("outlook_html_table.eml"))
    assert [a.filename for a in mail.attachments] == ["image001.png"]
    assert mail.attachments[0].content_type == "image/png"
    assert "PNG" not in mail.body


def test_multipart_alternative_prefers_the_plain_part_and_keeps_the_html_reading() -> None:
    msg = EmailMessage()
    msg["From"] = "a@b.be"
    msg.set_content("Gemeente: Gent\n")
    msg.add_alternative("<div dir=ltr><div>Gemeente</div><div>Gent (html)</div></div>", "html")
    mail = decode_message(msg.as_bytes())
    assert mail.body == "Gemeente: Gent"
    assert mail.body_kind == "plain"
    assert mail.alternatives[1] == "Gemeente\nGent (html)"


def test_gmail_divs_and_blank_divs_keep_the_line_structure() -> None:
    html = (
        '<div dir="ltr">Dag,<div><br></div><div>Gemeente: Aalst</div><div>Voorkeur 1: 3</div></div>'
    )
    assert html_to_text(html) == "Dag,\n\nGemeente: Aalst\nVoorkeur 1: 3"


def test_html_entities_nbsp_scripts_and_head_are_handled() -> None:
    html = (
        "<html><head><title>T</title><script>var x=1;</script></head><body>"
        "<p>Functie:&nbsp;Schepen&nbsp;&amp;&nbsp;co&#8209;voorzitter &eacute;</p></body></html>"
    )
    assert html_to_text(html) == "Functie: Schepen & co‑voorzitter é"


def test_a_blockquote_in_html_is_marked_as_quoted_text() -> None:
    html = (
        "<div>Zie onder</div><div class=gmail_quote><div>Op ma 2 jun schreef X:</div>"
        "<blockquote><div>Gemeente: Brugge</div><div><br></div><div>Groeten</div>"
        "</blockquote></div>"
    )
    assert (
        html_to_text(html) == "Zie onder\nOp ma 2 jun schreef X:\n> Gemeente: Brugge\n>\n> Groeten"
    )


def test_table_cells_with_a_label_ending_in_a_colon_are_not_doubled() -> None:
    html = (
        "<table><tr><td>Gemeente:</td><td>Gent</td></tr>"
        "<tr><td>Keuze</td><td>9</td><td>11</td></tr></table>"
    )
    assert html_to_text(html) == "Gemeente: Gent\nKeuze: 9 11"


def test_html_with_nothing_but_a_greeting_gives_just_the_greeting() -> None:
    mail = decode_message(load("html_only_greeting.eml"))
    assert mail.body == "Beste,\n\nIk bel u morgen even over onze inschrijving.\n\nGroeten,\nPiet"


def test_malformed_html_never_raises() -> None:
    assert "Gent" in html_to_text("<p>Gemeente: <b>Gent<table><tr><td>x</p></div></td><![bogus")


# --- size -------------------------------------------------------------------------------


def test_an_oversized_message_is_read_for_its_headers_only_and_reports_its_size() -> None:
    msg = EmailMessage()
    msg["From"] = "An Peeters <an.peeters@gent.example.be>"
    msg["To"] = "intake@vlaio.test"
    msg["Subject"] = "Inschrijving met bijlage"
    msg["Message-ID"] = "<big.1@gent.example.be>"
    msg.set_content("Gemeente: Gent\nVoorkeuren: 9, 11, 3\n")
    msg.add_attachment(b"\x00" * 11_000_000, "application", "pdf", filename="plan.pdf")
    raw = msg.as_bytes()
    mail = decode_message(raw)
    assert mail.raw_size == len(raw) > 10 * 1024 * 1024
    assert (mail.limited, mail.message_id) == ("too_large", "<big.1@gent.example.be>")
    assert mail.from_address == "an.peeters@gent.example.be", "the sender can be told why"
    assert mail.body == "" and mail.attachments == (), "the body is never parsed"
    assert base64.b64encode(b"\x00" * 12).decode() not in mail.body


# --- hostile input ----------------------------------------------------------------------


def test_mangled_messages_never_raise_anywhere_in_the_pipeline() -> None:
    import random

    from core.form import email_labels
    from mail.classify import classify
    from mail.template import TemplateSpec, extract_best
    from mail.trust import assess_sender

    spec = TemplateSpec(email_labels())
    originals = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    noise = [b"=?", b"?=", b"<[", b";", b"\r\n", b"\n\n", b"--", b"name*", b"=?utf-8?b?", b"\xff"]
    rnd = random.Random(20250603)
    for _ in range(400):
        raw = bytearray(rnd.choice(originals))
        for _ in range(rnd.randint(1, 12)):
            pos = rnd.randrange(len(raw))
            if rnd.random() < 0.5:
                raw[pos] = rnd.randrange(256)
            else:
                raw[pos:pos] = rnd.choice(noise)
        mail = decode_message(bytes(raw))
        classify(mail, own_addresses=["intake@vlaio.test"], loop_header="X-Leertraject-Loop")
        assess_sender(mail, trusted_authserv_id="mx.vlaio.test")
        extract_best(mail.alternatives, spec, sender_name=mail.from_name)


def test_hostile_whitespace_and_repetition_are_read() -> None:
    # How fast: benchmarks/hostile_text.py (wall-clock limits do not belong in tests).
    from core.form import email_labels
    from mail.template import TemplateSpec, extract_form

    spec = TemplateSpec(email_labels())
    hostile = [
        "Voorkeuren: " + "9  " * 20_000 + "x",
        "Gemeente" + " " * 40_000 + "x",
        "Voorkeur 1" + "\t" * 40_000 + "9",
        "Op " + "heeft " * 20_000 + "x",
        "E-mail: " + "a" * 40_000 + " <mailto:" * 2_000,
    ]
    for text in hostile:
        extract_form(text, spec)


def test_a_message_nested_thousands_of_parts_deep_is_kept_with_its_sender() -> None:
    depth = 3000
    raw = "From: Jan <jan@brugge.example.be>\nMessage-ID: <deep@x>\nMIME-Version: 1.0\n"
    raw += "Content-Type: multipart/mixed; boundary=b0\n\n"
    raw += "".join(
        f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n" for i in range(depth)
    )
    raw += f"--b{depth}\nContent-Type: text/plain\n\nGemeente: Brugge\n"
    raw += "".join(f"--b{i}--\n" for i in range(depth, -1, -1))
    mail = decode_message(raw.encode())
    assert (mail.message_id, mail.from_address) == ("<deep@x>", "jan@brugge.example.be")
    assert mail.limited == "too_many_multiparts"

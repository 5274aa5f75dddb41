"""Classification and sender trust: robots never get an answer, forged senders are not trusted."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from mail.classify import Classification, classify
from mail.decode import decode_message
from mail.trust import assess_sender, parse_authentication_results, sender_trust

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "mail"
DATA = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
EXPECTED = DATA["messages"]
OWN = DATA["own_addresses"]
LOOP = DATA["loop_header"]
AUTHSERV = DATA["trusted_authserv_id"]


def classify_file(name: str) -> Classification:
    return classify(
        decode_message((CORPUS / name).read_bytes()), own_addresses=OWN, loop_header=LOOP
    )


def message(body: str = "Gemeente: Gent\n", **headers: str) -> Classification:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "An Peeters <an.peeters@gent.example.be>")
    msg["To"] = "intake@vlaio.test"
    msg["Subject"] = headers.pop("Subject", "Inschrijving")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return classify(decode_message(msg.as_bytes()), own_addresses=OWN, loop_header=LOOP)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_corpus_message_is_classified_as_expected(name: str) -> None:
    got = classify_file(name)
    expected = EXPECTED[name]
    assert (got.kind, got.reason) == (expected["kind"], expected["reason"])
    assert got.answerable == (expected["kind"] == "human")
    if got.kind == "bounce":
        assert list(got.failed_recipients) == expected["failed_recipients"]
        assert got.original_message_id == expected["original_message_id"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_corpus_sender_gets_the_expected_trust(name: str) -> None:
    trust = assess_sender(
        decode_message((CORPUS / name).read_bytes()), trusted_authserv_id=AUTHSERV
    )
    expected = EXPECTED[name]["trust"]
    assert (trust.authenticated, trust.reason) == (expected["authenticated"], expected["reason"])


# --- auto-replies -----------------------------------------------------------------------


def test_an_out_of_office_from_exchange_is_never_answered() -> None:
    got = classify_file("auto_reply_exchange_oof_nl.eml")
    assert got.kind == "auto_reply"
    assert not got.answerable


def test_a_gmail_vacation_reply_is_never_answered() -> None:
    assert not classify_file("auto_reply_gmail_vacation.eml").answerable


def test_x_auto_response_suppress_alone_does_not_make_a_person_a_robot() -> None:
    assert message(X_Auto_Response_Suppress="All").kind == "human"
    assert classify_file("human_with_suppress_header.eml").kind == "human"


def test_auto_submitted_no_is_a_person() -> None:
    assert message(Auto_Submitted="no").kind == "human"


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("Auto-Submitted", "auto-replied; owner-email=an@gent.example.be", "auto_submitted"),
        ("Auto-Submitted", "auto-generated", "auto_submitted"),
        ("X-Autoreply", "yes", "x_autoreply"),
        ("X-Autorespond", "Out of office", "x_autorespond"),
        ("Precedence", "auto_reply", "precedence_auto_reply"),
        ("Precedence", "junk", "precedence_junk"),
        ("X-Precedence", "junk", "precedence_junk"),
        ("X-MS-Exchange-Generated-Message-Source", "Mailbox Rules Agent", "exchange_rules_agent"),
        (
            "X-MS-Exchange-Inbox-Rules-Loop",
            "an.peeters@gent.example.be",
            "exchange_inbox_rules_loop",
        ),
        ("Return-Path", "<>", "null_sender"),
    ],
)
def test_automatic_reply_headers(header: str, value: str, reason: str) -> None:
    got = message(**{header.replace("-", "_"): value})
    assert (got.kind, got.reason) == ("auto_reply", reason)


@pytest.mark.parametrize(
    "subject",
    [
        "Automatisch antwoord: Inschrijving",
        "Automatische Antwort: Anmeldung",
        "Automatic reply: Registration",
        "Out of Office: Registration",
        "Autoreply: Inschrijving",
        "Auto: Inschrijving",
        "Afwezig",
        "Afwezig: Re: Herinnering",
        "Afwezig tot 30 juni",
        "Abwesenheitsnotiz: Anmeldung",
        "Abwesenheit bis 30. Juni",
        "Réponse automatique : Inscription",
        "Absence du 16 au 20 juin",
        "Absence: Inscription",
    ],
)
def test_localised_out_of_office_subjects(subject: str) -> None:
    assert message(Subject=subject).kind == "auto_reply"


@pytest.mark.parametrize(
    "subject",
    [
        "Afwezigheid op de infosessie",
        "Absence of data in the template?",
        "Re: Inschrijving leertraject",
        "Vraag over leegstand",
    ],
)
def test_ordinary_subjects_of_people_are_not_mistaken_for_robots(subject: str) -> None:
    assert message(Subject=subject).kind == "human"


def test_a_read_receipt_is_never_answered() -> None:
    assert classify_file("read_receipt.eml").kind == "auto_reply"


def test_noreply_senders_are_never_answered() -> None:
    assert message(From="no-reply@portal.example.be").reason == "noreply_sender"


# --- bounces ----------------------------------------------------------------------------


def test_an_exchange_ndr_names_the_dead_address_and_our_original_message() -> None:
    got = classify_file("ndr_exchange.eml")
    assert got.kind == "bounce"
    assert got.failed_recipients == ("an.peters@gent.example.be",)
    assert got.original_message_id == "<outbox-0044.1750053600@vlaio.test>"


def test_a_postfix_bounce_names_the_dead_address_and_our_original_message() -> None:
    got = classify_file("ndr_postfix.eml")
    assert got.failed_recipients == ("tom.desmit@kortrijk.example.be",)
    assert got.original_message_id == "<outbox-0045.1750054205@vlaio.test>"


def test_a_delay_warning_marks_no_address_as_failed() -> None:
    got = classify_file("dsn_delayed_postfix.eml")
    assert (got.kind, got.reason, got.failed_recipients) == ("bounce", "dsn_delayed", ())


def test_a_bounce_without_a_report_is_recognised_by_its_sender_and_text() -> None:
    got = message(
        "<jan@brugge.example.be>: host mx.brugge.example.be said: 550 no such user\n",
        From="Mail Delivery System <MAILER-DAEMON@mx.example.net>",
        Subject="Returned mail: see transcript for details",
        In_Reply_To="<outbox-7@vlaio.test>",
    )
    assert (got.kind, got.reason) == ("bounce", "mailer_daemon")
    assert got.failed_recipients == ("jan@brugge.example.be",)
    assert got.original_message_id == "<outbox-7@vlaio.test>"


def test_an_exim_bounce_names_the_address_in_x_failed_recipients() -> None:
    got = message("gone", From="postmaster@mx.example.net", X_Failed_Recipients="a@b.example.be")
    assert (got.kind, got.failed_recipients) == ("bounce", ("a@b.example.be",))


def test_an_ndr_subject_alone_makes_a_bounce() -> None:
    got = message(
        "Uw bericht aan jan@brugge.example.be kan niet worden bezorgd.",
        Subject="Onbestelbaar: Inschrijving",
    )
    assert (got.kind, got.failed_recipients) == ("bounce", ("jan@brugge.example.be",))


# --- lists, own mail, loops --------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("List-Id", "<leb.lists.example.be>", "list_id"),
        ("List-Unsubscribe", "<mailto:leave@lists.example.be>", "list_unsubscribe"),
        ("Precedence", "bulk", "precedence_bulk"),
        ("Precedence", "list", "precedence_list"),
        ("X-MC-User", "abc123", "bulk_mailer"),
        ("X-Mailer", "MailChimp Mailer - **CID1234**", "bulk_mailer"),
    ],
)
def test_mailing_lists_and_newsletters_are_never_answered(
    header: str, value: str, reason: str
) -> None:
    got = message(**{header.replace("-", "_"): value})
    assert (got.kind, got.reason) == ("list", reason)


def test_mail_from_our_own_address_is_never_answered_whatever_its_case() -> None:
    assert message(From="VLAIO <Intake@VLAIO.test>").kind == "own"


def test_our_loop_marker_stops_a_loop_even_from_a_persons_address() -> None:
    assert message(X_Leertraject_Loop="1").kind == "loop"
    assert message(X_Loop="intake@vlaio.test").kind == "loop"


# --- sender trust -----------------------------------------------------------------------


def ar(value: str, from_address: str = "an.peeters@gent.example.be") -> tuple[bool | None, str]:
    trust = sender_trust([value], from_address, AUTHSERV)
    return trust.authenticated, trust.reason


def test_a_dmarc_fail_from_our_server_means_untrusted_whatever_the_from_says() -> None:
    trust = assess_sender(
        decode_message((CORPUS / "forged_dmarc_fail.eml").read_bytes()),
        trusted_authserv_id=AUTHSERV,
    )
    assert trust.authenticated is False
    assert trust.dmarc == "fail"


def test_a_pass_written_by_another_server_is_ignored() -> None:
    assert ar("mx.attacker.example; dmarc=pass header.from=gent.example.be") == (
        None,
        "foreign_results_ignored",
    )


def test_a_forged_pass_with_our_id_cannot_outvote_our_fail() -> None:
    trust = sender_trust(
        ["mx.vlaio.test; dmarc=fail header.from=gent.example.be", "mx.vlaio.test; dmarc=pass"],
        "an.peeters@gent.example.be",
        AUTHSERV,
    )
    assert trust.authenticated is False


def test_results_parse_with_comments_versions_and_quoted_strings() -> None:
    parsed = parse_authentication_results(
        "MX.VLAIO.TEST 1; (a comment; with a semicolon) dkim=pass (good (nested)) "
        'header.d=gent.example.be header.s="sel 1"; spf=softfail smtp.mailfrom=x@y.example'
    )
    assert parsed is not None
    assert parsed.authserv_id == "mx.vlaio.test"
    assert [(r.method, r.result) for r in parsed.results] == [("dkim", "pass"), ("spf", "softfail")]
    assert parsed.results[0].properties["header.s"] == "sel 1"


def test_authserv_id_matches_without_regard_to_case() -> None:
    assert ar("MX.Vlaio.Test; dmarc=pass") == (True, "dmarc_pass")


def test_without_dmarc_an_aligned_dkim_signature_authenticates() -> None:
    assert ar("mx.vlaio.test; dkim=pass header.d=gent.example.be; dmarc=none") == (
        True,
        "dkim_aligned",
    )
    assert ar("mx.vlaio.test; dkim=pass header.d=mailer.example.net") == (None, "not_authenticated")


def test_an_aligned_spf_fail_without_dmarc_is_untrusted() -> None:
    assert ar("mx.vlaio.test; spf=fail smtp.mailfrom=an.peeters@gent.example.be") == (
        False,
        "spf_fail",
    )


def test_no_results_at_all_leave_trust_unknown() -> None:
    assert sender_trust([], "an@gent.example.be", AUTHSERV).authenticated is None
    assert ar("mx.vlaio.test; none") == (None, "not_authenticated")

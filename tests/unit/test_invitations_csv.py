"""Importing invited contacts from the CSV staff keep in Excel."""

from __future__ import annotations

from core.campaign import Env
from core.invitations import import_invitations, parse_csv
from core.model import Actor, ActorKind, Channel
from tests.fakes import FakeUnitOfWork

STAFF = Actor(ActorKind.STAFF, Channel.CLI, name="els")


def test_semicolon_dutch_headers_and_bom(env: Env) -> None:
    content = (
        "\ufeffgemeente;naam;e-mail;taal\n"
        "Gent;An Peeters;an.peeters@stad.gent;nl\n"
        "44088;Jo Smet;jo@merelbeke-melle.be;en\n"
    )
    parsed = parse_csv(content, env.form_context)
    assert parsed.errors == []
    assert [(r.municipality, r.email, r.language) for r in parsed.rows] == [
        ("44021", "an.peeters@stad.gent", "nl"),
        ("44088", "jo@merelbeke-melle.be", "en"),
    ]


def test_bad_rows_are_reported_by_line_and_good_rows_kept(env: Env) -> None:
    content = (
        "municipality,name,email\n"
        "Gent,An Peeters,an.peeters@stad.gent\n"
        "Namen,Luc Dubois,luc@namur.be\n"
        "Brugge,,piet@brugge.be\n"
        "Hasselt,Sara Jacobs,not-an-address\n"
    )
    parsed = parse_csv(content, env.form_context)
    assert [r.line for r in parsed.rows] == [2]
    assert [(e.line, e.code) for e in parsed.errors] == [
        (3, "municipality.outside_flanders"),
        (4, "required"),
        (5, "email.invalid"),
    ]


def test_missing_columns_are_named(env: Env) -> None:
    parsed = parse_csv("gemeente;naam\nGent;An\n", env.form_context)
    assert parsed.errors[0].code == "csv.missing_columns" and "email" in parsed.errors[0].message(
        "nl"
    )


def test_importing_twice_changes_nothing_and_keeps_tokens(uow: FakeUnitOfWork, env: Env) -> None:
    content = (
        "gemeente,naam,email\nGent,An Peeters,an.peeters@stad.gent\nLier,Tom Wouters,tom@lier.be\n"
    )
    rows = parse_csv(content, env.form_context).rows
    first = import_invitations(uow, env, rows, STAFF)
    tokens = {c.email: c.token for c in uow.contacts.all()}
    second = import_invitations(uow, env, rows, STAFF)
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)
    assert {c.email: c.token for c in uow.contacts.all()} == tokens
    assert all(t and len(t) <= 64 for t in tokens.values())

"""`leertraject mail check` against the real Dovecot (XOAUTH2), the XOAUTH2 SMTP stand-in
and the stand-in identity provider: one line per step, exit status 1 when one fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from app.cli import cli
from tests.mail_messages import AN, INTAKE
from tests.mailserver import MailServers
from tests.oauth_fixtures import SECRET
from tests.oauth_smtp import XOAuth2Smtp, serving_in_thread
from tests.oauth_standin import TENANT, OAuthStandin

pytestmark = pytest.mark.mailserver


@pytest.fixture
def smtp(oauth_idp: OAuthStandin) -> Iterator[XOAuth2Smtp]:
    with serving_in_thread(oauth_idp) as server:
        yield server


@pytest.fixture
def configured(
    oauth_box: MailServers,
    oauth_idp: OAuthStandin,
    smtp: XOAuth2Smtp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The settings staff would put in config.toml or the environment for Microsoft 365."""
    for key, value in {
        "MAIL__ADDRESS": INTAKE,
        "MAIL__INTAKE": "imap",
        "MAIL__TRANSPORT": "smtp",
        "MAIL__IMAP__AUTH": "oauth2",
        "MAIL__IMAP__HOST": "127.0.0.1",
        "MAIL__IMAP__PORT": str(oauth_box.imap_port),
        "MAIL__IMAP__TLS": "none",
        "MAIL__SMTP__AUTH": "oauth2",
        "MAIL__SMTP__HOST": "127.0.0.1",
        "MAIL__SMTP__PORT": str(smtp.port),
        "MAIL__SMTP__TLS": "none",
        "MAIL__OAUTH__TENANT_ID": TENANT,
        "MAIL__OAUTH__CLIENT_ID": "vlaio-app",
        "MAIL__OAUTH__AUTHORITY": oauth_idp.authority,
        "OAUTH_CLIENT_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(f"LEERTRAJECT_{key}", value)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(oauth_idp.certificate))  # MSAL's session


def check(*args: str, lang: str = "nl") -> Result:
    return CliRunner().invoke(cli, ["--lang", lang, "mail", "check", *args])


def test_mail_check_signs_in_both_ways_and_creates_the_missing_folders_when_asked(
    configured: None, oauth_idp: OAuthStandin, oauth_box: MailServers, smtp: XOAuth2Smtp
) -> None:
    oauth_idp.register("vlaio-app", SECRET, INTAKE)

    first = check()
    assert first.exit_code == 1, first.output
    lines = first.stdout.splitlines()
    assert lines[0] == "OK    OAuth-token ontvangen voor app vlaio-app"
    assert lines[1] == (
        f"OK    IMAP: aangemeld op 127.0.0.1:{oauth_box.imap_port} als {INTAKE} "
        "(OAuth 2.0 (XOAUTH2))"
    )
    assert "OK    Map INBOX: 0 bericht(en)" in lines
    assert "FOUT  Map Verwerkt bestaat niet; maak ze aan met --create-folders" in lines
    assert any(line.startswith("OK    SMTP: aangemeld op 127.0.0.1") for line in lines)
    assert lines[-1] == "3 stap(pen) mislukt."
    assert oauth_box.count(INTAKE, "Verwerkt") == 0  # nothing created without asking

    second = check("--create-folders")
    assert second.exit_code == 0, second.stdout
    for folder in ("Verwerkt", "Genegeerd", "Mislukt"):
        assert f"OK    Map {folder}: aangemaakt" in second.stdout
    assert second.stdout.splitlines()[-1] == "Alles werkt."
    with oauth_box.imap(INTAKE) as client:
        assert {"Verwerkt", "Genegeerd", "Mislukt"} <= {f[2] for f in client.list_folders()}
    assert smtp.auth_attempts == [(INTAKE, True), (INTAKE, True)]
    assert smtp.delivered == []  # a check sends nothing

    english = check(lang="en")
    assert english.exit_code == 0
    assert "OK    Folder Verwerkt: 0 message(s)" in english.stdout
    assert english.stdout.splitlines()[-1] == "Everything works."


def test_mail_check_says_what_to_check_when_the_mailbox_is_not_granted(
    configured: None, oauth_idp: OAuthStandin
) -> None:
    oauth_idp.register("vlaio-app", SECRET, AN)  # rights on another mailbox only
    result = check()
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK    OAuth-token")
    assert lines[1].startswith("FOUT  IMAP: aanmelden op 127.0.0.1")
    assert "Add-MailboxPermission" in lines[2]
    assert lines[3].startswith("FOUT  SMTP: aanmelden op 127.0.0.1")
    assert "Add-RecipientPermission" in lines[4] and "SMTP AUTH" in lines[4]
    assert lines[-1] == "2 stap(pen) mislukt."
    assert SECRET not in result.output


def test_mail_check_with_a_revoked_app_reports_the_token_and_tries_nothing_else(
    configured: None, oauth_idp: OAuthStandin
) -> None:
    oauth_idp.register("vlaio-app", SECRET, INTAKE, revoked=True)
    result = check()
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FOUT  Geen OAuth-token voor app vlaio-app: unauthorized_client")
    assert "LEERTRAJECT_OAUTH_CLIENT_SECRET" in lines[1]
    assert lines[2:4] == [
        "--    IMAP: niet geprobeerd zonder OAuth-token",
        "--    SMTP: niet geprobeerd zonder OAuth-token",
    ]
    assert SECRET not in result.output


def test_mail_check_with_passwords_signs_in_as_configured(
    mailboxes: MailServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "MAIL__ADDRESS": INTAKE,
        "MAIL__INTAKE": "imap",
        "MAIL__TRANSPORT": "smtp",
        "MAIL__IMAP__HOST": "127.0.0.1",
        "MAIL__IMAP__PORT": str(mailboxes.imap_port),
        "MAIL__IMAP__TLS": "none",
        "MAIL__IMAP__USERNAME": INTAKE,
        "MAIL__SMTP__HOST": "127.0.0.1",
        "MAIL__SMTP__PORT": str(mailboxes.smtp_port),
        "MAIL__SMTP__TLS": "none",
        "IMAP_PASSWORD": "wrong-password",
    }.items():
        monkeypatch.setenv(f"LEERTRAJECT_{key}", value)
    refused = check()
    assert refused.exit_code == 1
    assert refused.stdout.splitlines()[0] == (
        f"FOUT  IMAP: aanmelden op 127.0.0.1:{mailboxes.imap_port} als {INTAKE} (wachtwoord) "
        "lukt niet: [AUTHENTICATIONFAILED] Authentication failed."
    )
    assert "wrong-password" not in refused.output

    monkeypatch.setenv("LEERTRAJECT_IMAP_PASSWORD", mailboxes.users[INTAKE])
    result = check("--create-folders")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith(f"als {INTAKE} (wachtwoord)") and lines[0].startswith("OK    IMAP")
    assert "OK    Map Mislukt: aangemaakt" in lines
    assert f"OK    SMTP: verbonden met 127.0.0.1:{mailboxes.smtp_port}, zonder aanmelding" in lines

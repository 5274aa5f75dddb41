"""The service with auth = "oauth2" for IMAP and SMTP, wired from its settings: it reads the
intake mailbox on the real Dovecot and answers over XOAUTH2 SMTP from the intake address,
with tokens from the stand-in identity provider (MSAL's own HTTP client, as in production)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.mailing import drain_intake_once, email_sender
from core.clock import FixedClock
from core.model import Contact
from tests.mail_messages import AN, INTAKE
from tests.mailserver import MailServers
from tests.oauth_fixtures import SECRET
from tests.oauth_smtp import XOAuth2Smtp
from tests.oauth_standin import TENANT, OAuthStandin

pytestmark = pytest.mark.mailserver
CORPUS = Path(__file__).parent.parent.parent / "corpus" / "mail"


def oauth_wired(
    settings: Settings, box: MailServers, idp: OAuthStandin, smtp_port: int
) -> Settings:
    mail = settings.mail.model_copy(
        update={
            "address": INTAKE,
            "intake": "imap",
            "transport": "smtp",
            "imap": settings.mail.imap.model_copy(
                update={"auth": "oauth2", "host": "127.0.0.1", "port": box.imap_port, "tls": "none"}
            ),
            "smtp": settings.mail.smtp.model_copy(
                update={"auth": "oauth2", "host": "127.0.0.1", "port": smtp_port, "tls": "none"}
            ),
            "oauth": settings.mail.oauth.model_copy(
                update={"tenant_id": TENANT, "client_id": "vlaio-app", "authority": idp.authority}
            ),
        }
    )
    return settings.model_copy(update={"mail": mail})


@pytest.fixture
def trust_idp(oauth_idp: OAuthStandin, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LEERTRAJECT_OAUTH_CLIENT_SECRET", SECRET)
    monkeypatch.delenv("LEERTRAJECT_IMAP_PASSWORD", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(oauth_idp.certificate))  # MSAL's session
    oauth_idp.register("vlaio-app", SECRET, INTAKE)
    yield


def official_message() -> bytes:
    raw = (CORPUS / "nl_clean_template.eml").read_bytes()
    return raw.replace(b"an.peeters@gent.example.be", AN.encode()).replace(
        b"leertrajecten@vlaio.be", INTAKE.encode()
    )


async def test_the_service_reads_and_answers_with_oauth_on_both_connections(
    oauth_box: MailServers,
    oauth_idp: OAuthStandin,
    trust_idp: None,
    db_settings: Settings,
    clock: FixedClock,
) -> None:
    async with XOAuth2Smtp(oauth_idp) as smtp:
        app: App = bootstrap(oauth_wired(db_settings, oauth_box, oauth_idp, smtp.port), clock=clock)
        try:
            app.transaction(
                lambda uow: uow.contacts.add(Contact("44021", "An Peeters", AN, invited=True))
            )
            oauth_box.append(INTAKE, [official_message()])
            assert drain_intake_once(app) == 1
            assert oauth_box.count(INTAKE, "Verwerkt") == 1
            assert await email_sender(app).drain() == 1
        finally:
            app.close()
    [reply] = smtp.delivered
    assert smtp.auth_attempts == [(INTAKE, True)]
    assert reply.mail_from == INTAKE
    assert reply.message["From"].addresses[0].addr_spec == INTAKE
    assert [a.addr_spec for a in reply.message["To"].addresses] == [AN]

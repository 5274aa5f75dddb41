"""SMTP AUTH XOAUTH2 against a submission server that checks the stand-in's tokens itself
(tests/oauth_smtp.py), as smtp.office365.com does: sign-in, renewal, Send As."""

from __future__ import annotations

import logging

import pytest

from mail.oauth import MsalSource, TokenProvider
from mail.smtp import SendResult, SendStatus, SmtpSettings, SmtpTransport
from tests.mail_messages import AN, INTAKE, email_message
from tests.oauth_fixtures import SECRET, idp_session
from tests.oauth_smtp import XOAuth2Smtp
from tests.oauth_standin import OAuthStandin, StaleFirst


async def _send(idp: OAuthStandin, client_id: str, smtp: XOAuth2Smtp) -> list[SendResult]:
    provider = TokenProvider(MsalSource(idp.settings(client_id), http_client=idp_session(idp)))
    settings = SmtpSettings(
        "127.0.0.1", smtp.port, INTAKE, None, "none", 5.0, "vlaio.test", oauth=provider
    )
    return await SmtpTransport(settings).send([email_message(1, to=AN)])


async def test_mail_goes_out_signed_in_with_a_token_as_the_intake_address(
    oauth_idp: OAuthStandin,
) -> None:
    oauth_idp.requests.clear()
    oauth_idp.register("sender-app", SECRET, INTAKE)
    async with XOAuth2Smtp(oauth_idp) as smtp:
        [result] = await _send(oauth_idp, "sender-app", smtp)
    assert result.status is SendStatus.SENT
    [delivery] = smtp.delivered
    assert delivery.signed_in_as == INTAKE and delivery.mail_from == INTAKE
    assert delivery.message["From"].addresses[0].addr_spec == INTAKE
    assert oauth_idp.requests == ["sender-app"]


async def test_a_token_the_server_finds_expired_is_renewed_once_and_the_mail_goes_out(
    oauth_idp: OAuthStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    oauth_idp.requests.clear()
    monkeypatch.setattr(oauth_idp, "clock", StaleFirst())
    oauth_idp.register("sender-app", SECRET, INTAKE)
    async with XOAuth2Smtp(oauth_idp) as smtp:
        [result] = await _send(oauth_idp, "sender-app", smtp)
    assert result.status is SendStatus.SENT
    assert smtp.auth_attempts == [(INTAKE, False), (INTAKE, True)]
    assert len(smtp.delivered) == 1


async def test_without_rights_on_the_mailbox_mail_waits_with_a_hint_and_no_secret_is_logged(
    oauth_idp: OAuthStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    oauth_idp.requests.clear()
    oauth_idp.register("other-app", SECRET, AN)  # given An's mailbox, not the intake's
    async with XOAuth2Smtp(oauth_idp) as smtp:
        [result] = await _send(oauth_idp, "other-app", smtp)
    assert result.status is SendStatus.TEMPORARY_FAILURE  # the outbox tries again later
    assert "Add-RecipientPermission" in result.text and "SMTP.SendAsApp" in result.text
    assert smtp.delivered == []
    assert oauth_idp.requests == ["other-app", "other-app"]  # renewed once, then gave up
    assert any("SMTP sign-in with OAuth failed" in r.getMessage() for r in caplog.records)
    assert SECRET not in caplog.text
    assert all(token not in caplog.text for token in oauth_idp.issued)

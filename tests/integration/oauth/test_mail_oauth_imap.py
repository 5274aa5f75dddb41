"""IMAP sign-in with OAuth 2.0 (SASL XOAUTH2) against a real Dovecot that validates the
stand-in identity provider's tokens itself (signature, expiry, issuer, mailbox).

Waits are bounded waits on conditions; time moves by injected clocks, never by sleeping.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FixedClock
from mail.imap import EventKind, ImapIntake, ImapSettings, IntakeEvent, drain_once
from mail.intake import Backoff
from mail.oauth import MsalSource, OAuthError, TokenProvider, imap_login
from tests.mail_messages import Recorder, intake_thread, raw_message
from tests.mailserver import MailServers
from tests.mailserver_util import wait_until
from tests.oauth_fixtures import INTAKE, SECRET, idp_session
from tests.oauth_standin import OAuthStandin, StaleFirst

pytestmark = pytest.mark.mailserver


def _provider(idp: OAuthStandin, client_id: str, clock: FixedClock | None = None) -> TokenProvider:
    source = MsalSource(idp.settings(client_id), http_client=idp_session(idp))
    return TokenProvider(source, clock=clock)


def _settings(box: MailServers, provider: TokenProvider, **overrides: object) -> ImapSettings:
    login = imap_login(provider, INTAKE)
    return box.imap_settings(INTAKE, password="", login=login, **overrides)


def test_the_intake_reads_the_mailbox_signed_in_with_a_token(
    oauth_box: MailServers, oauth_idp: OAuthStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    oauth_idp.register("intake-app", SECRET, INTAKE)
    oauth_box.append(INTAKE, [raw_message(1), raw_message(2)])
    handler = Recorder()
    assert drain_once(_settings(oauth_box, _provider(oauth_idp, "intake-app")), handler) == 2
    assert handler.seen == ["<msg-1@gent.example.test>", "<msg-2@gent.example.test>"]
    assert oauth_box.count(INTAKE, "Verwerkt") == 2
    assert oauth_idp.requests == ["intake-app"]
    # Even at DEBUG (MSAL, urllib3, imapclient): neither the secret nor the token.
    assert SECRET not in caplog.text
    assert oauth_idp.issued and all(token not in caplog.text for token in oauth_idp.issued)


def test_without_the_mailbox_permission_the_server_refuses_after_one_renewal(
    oauth_box: MailServers, oauth_idp: OAuthStandin
) -> None:
    # The app was given An's mailbox, not the intake mailbox (Add-MailboxPermission).
    oauth_idp.register("wrong-box", SECRET, "an.peeters@gent.example.test")
    oauth_box.append(INTAKE, [raw_message(1)])
    with pytest.raises(OAuthError) as refused:
        drain_once(_settings(oauth_box, _provider(oauth_idp, "wrong-box")), Recorder())
    assert refused.value.kind == "imap_refused"
    assert refused.value.detail == "[AUTHENTICATIONFAILED] Authentication failed."
    assert "Add-MailboxPermission" in str(refused.value)
    assert oauth_idp.requests == ["wrong-box", "wrong-box"]  # renewed once, then gave up
    assert oauth_box.count(INTAKE) == 1  # nothing was read


def test_a_token_the_server_finds_expired_is_renewed_once_and_the_intake_goes_on(
    oauth_box: MailServers, oauth_idp: OAuthStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oauth_idp, "clock", StaleFirst())
    oauth_idp.register("intake-app", SECRET, INTAKE)
    oauth_box.append(INTAKE, [raw_message(1)])
    handler = Recorder()
    assert drain_once(_settings(oauth_box, _provider(oauth_idp, "intake-app")), handler) == 1
    assert oauth_idp.requests == ["intake-app", "intake-app"]
    assert handler.seen == ["<msg-1@gent.example.test>"]


def test_a_token_expiring_mid_session_is_renewed_and_the_intake_continues(
    oauth_box: MailServers, oauth_idp: OAuthStandin
) -> None:
    oauth_idp.register("intake-app", SECRET, INTAKE)
    clock = FixedClock(datetime.now(UTC))
    provider = _provider(oauth_idp, "intake-app", clock)
    idling = threading.Semaphore(0)

    def on_event(event: IntakeEvent) -> None:
        if event.kind is EventKind.IDLING:
            idling.release()

    handler = Recorder()
    settings = _settings(oauth_box, provider, poll_seconds=3600, idle_renew_seconds=3600)
    intake = ImapIntake(settings, handler, backoff=Backoff(0.05, 0.2), on_event=on_event)
    oauth_box.append(INTAKE, [raw_message(1)])
    with intake_thread(intake):
        assert idling.acquire(timeout=10)
        assert handler.seen == ["<msg-1@gent.example.test>"]
        # The token (valid 3599 s) is about to expire; then the connection drops.
        clock.advance(timedelta(seconds=3400))
        oauth_box.kick_imap(INTAKE)
        assert idling.acquire(timeout=10), "no IDLE again after the drop"
        oauth_box.append(INTAKE, [raw_message(2)])
        wait_until(lambda: len(handler.seen) == 2, 10, "the second message")
    assert handler.seen[1] == "<msg-2@gent.example.test>"
    assert oauth_idp.requests == ["intake-app", "intake-app"]  # renewed before signing in


def test_a_revoked_client_gets_a_clear_error_and_backs_off_without_a_crash_loop(
    oauth_box: MailServers, oauth_idp: OAuthStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    oauth_idp.register("revoked-app", SECRET, INTAKE, revoked=True)
    events: list[IntakeEvent] = []
    sleeps: list[float] = []
    provider = _provider(oauth_idp, "revoked-app")
    intake = ImapIntake(
        _settings(oauth_box, provider),
        Recorder(),
        backoff=Backoff(initial=1.0, maximum=300.0, jitter=0.0),
        sleep=lambda seconds: sleeps.append(seconds),
        on_event=events.append,
    )

    def stopped_after_four() -> bool:
        if len(sleeps) >= 4:
            intake.stop_event.set()
        return intake.stop_event.is_set()

    with intake_thread(intake):
        wait_until(stopped_after_four, 20, "four back-offs")
    assert sleeps[:4] == [1.0, 2.0, 4.0, 8.0]  # growing delays, not a tight loop
    # At most one token request per attempt (MSAL even replays a refusal for a few seconds).
    assert 1 <= len(oauth_idp.requests) <= len(sleeps)
    assert [e.kind for e in events].count(EventKind.CONNECTED) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("unauthorized_client 700016" in line and "client_id" in line for line in warnings)
    assert SECRET not in caplog.text

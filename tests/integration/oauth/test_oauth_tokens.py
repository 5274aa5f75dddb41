"""Getting access tokens from the stand-in identity provider over HTTPS: MSAL with a client
secret or a certificate, the plain grant for other providers, the in-memory cache, and the
errors staff see. Time moves by an injected clock."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from mail.oauth import ClientCredentialsSource, MsalSource, OAuthError, TokenProvider
from tests.mail_messages import INTAKE
from tests.oauth_fixtures import SECRET, idp_session
from tests.oauth_standin import OAuthStandin, client_certificate


def _msal(idp: OAuthStandin, client_id: str, **overrides: object) -> MsalSource:
    return MsalSource(idp.settings(client_id, **overrides), http_client=idp_session(idp))


def test_the_token_is_kept_in_memory_and_renewed_five_minutes_before_it_expires(
    oauth_idp: OAuthStandin,
) -> None:
    oauth_idp.register("cache-app", SECRET, INTAKE)
    oauth_idp.requests.clear()
    clock = FixedClock(datetime.now(UTC))
    provider = TokenProvider(_msal(oauth_idp, "cache-app"), clock=clock)
    first = provider.token()
    clock.advance(timedelta(seconds=3599 - 301))
    assert provider.token() == first  # still more than five minutes left
    assert oauth_idp.requests == ["cache-app"]
    clock.advance(timedelta(seconds=2))
    second = provider.token()
    assert second != first and oauth_idp.requests == ["cache-app", "cache-app"]
    assert oauth_idp.verify(second, INTAKE, "IMAP.AccessAsApp")


def test_a_short_lived_token_is_renewed_at_half_its_life_not_at_every_sign_in(
    oauth_idp: OAuthStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oauth_idp, "lifetime", 400)  # shorter than the five-minute margin
    oauth_idp.register("short-app", SECRET, INTAKE)
    oauth_idp.requests.clear()
    clock = FixedClock(datetime.now(UTC))
    provider = TokenProvider(_msal(oauth_idp, "short-app"), clock=clock)
    first = provider.token()
    clock.advance(timedelta(seconds=199))
    assert provider.token() == first
    clock.advance(timedelta(seconds=1))
    assert provider.token() != first
    assert len(oauth_idp.requests) == 2


def test_a_refused_token_is_renewed_once_even_when_two_connections_report_it(
    oauth_idp: OAuthStandin,
) -> None:
    oauth_idp.register("shared-app", SECRET, INTAKE)
    oauth_idp.requests.clear()
    provider = TokenProvider(_msal(oauth_idp, "shared-app"))
    stale = provider.token()
    fresh = provider.renew(stale)  # IMAP was refused
    assert provider.renew(stale) == fresh  # SMTP was refused with the same old token
    assert len(oauth_idp.requests) == 2


def test_a_certificate_signs_in_instead_of_a_secret(
    oauth_idp: OAuthStandin, tmp_path: Path
) -> None:
    credential, certificate = client_certificate(tmp_path)
    oauth_idp.register("cert-app", "unused", INTAKE, certificate=certificate)
    token = _msal(oauth_idp, "cert-app", client_secret="", certificate=credential).fetch()
    assert oauth_idp.verify(token.value, INTAKE, "SMTP.SendAsApp")
    other, _ = client_certificate(tmp_path, "stolen")
    with pytest.raises(OAuthError) as refused:
        _msal(oauth_idp, "cert-app", client_secret="", certificate=other).fetch()
    assert refused.value.kind == "token_refused"


def test_a_wrong_secret_says_what_to_check_and_never_repeats_the_secret(
    oauth_idp: OAuthStandin,
) -> None:
    oauth_idp.register("secret-app", SECRET, INTAKE)
    with pytest.raises(OAuthError) as refused:
        _msal(oauth_idp, "secret-app", client_secret="typo-" + SECRET).fetch()
    message = str(refused.value)
    assert "invalid_client 7000215" in message and "LEERTRAJECT_OAUTH_CLIENT_SECRET" in message
    assert SECRET not in message


def test_another_provider_by_its_token_url(oauth_idp: OAuthStandin) -> None:
    oauth_idp.register("generic-app", SECRET, INTAKE)
    context = ssl.create_default_context(cafile=str(oauth_idp.certificate))
    settings = oauth_idp.settings("generic-app", token_url=oauth_idp.token_url)
    token = ClientCredentialsSource(settings, context=context).fetch()
    assert token.expires_in == 3599 and oauth_idp.verify(token.value, INTAKE, "IMAP.AccessAsApp")
    wrong = oauth_idp.settings("generic-app", token_url=oauth_idp.token_url, client_secret="x")
    with pytest.raises(OAuthError) as refused:
        ClientCredentialsSource(wrong, context=context).fetch()
    assert refused.value.kind == "token_refused" and "invalid_client" in refused.value.detail


def test_an_unreachable_token_endpoint_is_a_clear_error(oauth_idp: OAuthStandin) -> None:
    settings = oauth_idp.settings("nobody", authority="https://127.0.0.1:9")
    with pytest.raises(OAuthError) as unreachable:
        MsalSource(settings, http_client=idp_session(oauth_idp)).fetch()
    assert unreachable.value.kind == "token_unreachable"

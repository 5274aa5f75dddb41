"""pytest fixtures for OAuth 2.0 sign-in: the identity-provider stand-in and a Dovecot that
accepts its tokens (SASL XOAUTH2), beside the password-only servers of tests/mail_fixtures.py.

`oauth_idp` (session) is the token endpoint (tests/oauth_standin.py); `oauth_imap` (session)
is a second Dovecot with an oauth2 passdb validating the stand-in's JWTs locally; `oauth_box`
empties its mailboxes and gives each test fresh clients of the stand-in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.mail_fixtures import _unavailable
from tests.mailserver import MailServers
from tests.mailserver_config import DOVECOT_OAUTH2_CONF, DOVECOT_OAUTH2_EXT
from tests.oauth_standin import ISSUER, OAuthStandin

INTAKE = "intake@vlaio.test"
SECRET = "s3cret-value-never-logged"  # the client secret the tests register


@pytest.fixture(scope="session")
def oauth_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OAuthStandin]:
    with OAuthStandin(tmp_path_factory.mktemp("idp")) as idp:
        yield idp


def _dovecot_oauth(idp: OAuthStandin):  # type: ignore[no-untyped-def]
    def write(root: Path) -> str:
        keys = root / "oauth-keys"
        idp.write_dovecot_keys(keys)
        ext = root / "dovecot-oauth2.conf.ext"
        ext.write_text(DOVECOT_OAUTH2_EXT.format(keys=keys, issuer=ISSUER))
        ext.chmod(0o644)
        return DOVECOT_OAUTH2_CONF.format(root=root)

    return write


@pytest.fixture(scope="session")
def oauth_imap(oauth_idp: OAuthStandin) -> Iterator[MailServers]:
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
            pytest.fail(f"CI needs the mail servers: {reason}", pytrace=False)
        pytest.skip(reason)
    with MailServers(dovecot_extra=_dovecot_oauth(oauth_idp), smtp=False) as servers:
        yield servers


@pytest.fixture
def oauth_box(oauth_imap: MailServers, oauth_idp: OAuthStandin) -> MailServers:
    oauth_imap.reset()
    oauth_idp.requests.clear()
    return oauth_imap


def idp_session(idp: OAuthStandin) -> requests.Session:
    """What MSAL talks through in the tests: trusts the stand-in's certificate only."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would win over verify
    session.verify = str(idp.certificate)
    return session

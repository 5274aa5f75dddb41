"""auth = "password" | "oauth2" per connection, [mail.oauth], and where its secrets come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import PACKAGED_CONFIG, ConfigError, Settings, load_settings
from app.oauth import MissingSecret, oauth_settings, thumbprint_of
from tests.oauth_standin import client_certificate

M365 = """
[mail.oauth]
tenant_id = "7e1d2c3b-0000-4000-8000-00000000beef"
client_id = "0f0e0d0c-0000-4000-8000-000000000001"
"""


def config(tmp_path: Path, old: str = "", new: str = "", extra: str = "") -> Path:
    text = PACKAGED_CONFIG.read_text(encoding="utf-8")
    if old:
        assert old in text
        text = text.replace(old, new)
    # [mail.oauth] of the embedded file is replaced by the test's own, if it brings one.
    if extra:
        start = text.index("\n[mail.oauth]\n") + 1
        end = text.index("\n[", start + 1)
        text = text[:start] + text[end + 1 :] + extra
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def oauth2(tmp_path: Path, extra: str = M365) -> Settings:
    old = 'auth = "password"\nhost = "localhost"\nport = 993'
    new = old.replace('auth = "password"', 'auth = "oauth2"')
    return load_settings(config(tmp_path, old, new, extra))


def test_both_connections_sign_in_with_a_password_unless_told_otherwise() -> None:
    settings = load_settings()
    assert (settings.mail.imap.auth, settings.mail.smtp.auth) == ("password", "password")


def test_oauth2_without_the_app_registration_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        oauth2(tmp_path, extra='\n[mail.oauth]\ntenant_id = "t"\n')
    assert "mail.oauth.client_id" in str(refused.value)


def test_a_client_secret_in_the_file_is_refused_but_a_token_url_is_an_address(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError) as refused:
        oauth2(tmp_path, extra=M365 + 'client_secret = "abc"\n')
    assert "mail.oauth.client_secret: secrets belong in environment variables" in str(refused.value)
    generic = '\n[mail.oauth]\nclient_id = "c"\ntoken_url = "https://idp.example/token"\n'
    assert oauth2(tmp_path, extra=generic).mail.oauth.token_url == "https://idp.example/token"


def test_the_secret_comes_from_the_environment_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = oauth2(tmp_path)
    monkeypatch.delenv("LEERTRAJECT_OAUTH_CLIENT_SECRET", raising=False)
    with pytest.raises(MissingSecret) as missing:
        oauth_settings(settings)
    assert "LEERTRAJECT_OAUTH_CLIENT_SECRET" in str(missing.value)
    monkeypatch.setenv("LEERTRAJECT_OAUTH_CLIENT_SECRET", "from-the-environment")
    built = oauth_settings(settings)
    assert built.client_secret == "from-the-environment"
    assert built.scope == "https://outlook.office365.com/.default"
    assert "from-the-environment" not in repr(built)


def test_a_certificate_from_its_path_with_the_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential, _ = client_certificate(tmp_path)
    settings = oauth2(tmp_path, extra=M365 + f'certificate_path = "{tmp_path / "app.pem"}"\n')
    monkeypatch.delenv("LEERTRAJECT_OAUTH_CLIENT_SECRET", raising=False)
    with pytest.raises(MissingSecret):
        oauth_settings(settings)
    monkeypatch.setenv("LEERTRAJECT_OAUTH_CERTIFICATE_KEY", credential.private_key)
    built = oauth_settings(settings)
    assert built.certificate is not None
    assert built.certificate.thumbprint == credential.thumbprint
    assert built.certificate.thumbprint == thumbprint_of((tmp_path / "app.pem").read_bytes())
    assert "PRIVATE KEY" not in repr(built)


def test_the_secret_is_never_sent_to_a_plain_http_address(tmp_path: Path) -> None:
    plain = '\n[mail.oauth]\nclient_id = "c"\ntoken_url = "http://idp.example/token"\n'
    with pytest.raises(ConfigError) as refused:
        oauth2(tmp_path, extra=plain)
    assert "mail.oauth.token_url: Value error, must be an https:// address" in str(refused.value)

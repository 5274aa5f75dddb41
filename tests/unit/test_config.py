"""config.toml never holds a secret: every secret-looking key, anywhere, is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import PACKAGED_CONFIG, ConfigError, load_settings

DEFAULTS = PACKAGED_CONFIG.read_text(encoding="utf-8")


def config_with(
    tmp_path: Path, extra: str, replace: tuple[str, str] | tuple[str, str, int] = ("", "")
) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(DEFAULTS.replace(*replace) + "\n" + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("mail.imap", "password"),
        ("mail.smtp", "passwd"),
        ("mail.smtp", "smtp_password"),
        ("telegram", "token"),
        ("telegram", "bot_token"),
        ("telegram", "webhook_secret"),
        ("database", "Password"),
        ("assignment", "client_secret"),
    ],
)
def test_every_secret_looking_key_is_refused_without_showing_its_value(
    tmp_path: Path, section: str, key: str
) -> None:
    header = f"[{section}]"
    assert header in DEFAULTS
    path = config_with(tmp_path, "", (header, f'{header}\n{key} = "Hunter2-value"'))
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert f"{section}.{key}: secrets belong in environment variables" in str(refused.value)
    assert "Hunter2-value" not in str(refused.value)


def test_a_secret_inside_a_list_of_tables_is_refused(tmp_path: Path) -> None:
    path = config_with(tmp_path, "", ("[[themes]]", '[[themes]]\napi_token = "x"', 1))
    with pytest.raises(ConfigError, match=r"themes\[0\]\.api_token: secrets belong"):
        load_settings(path)


def test_a_password_in_the_database_url_is_refused_in_the_file_but_not_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "postgresql+psycopg://leertraject:S3cret-pw@db.example.be/leertraject"
    path = config_with(tmp_path, "", ('url = "sqlite:///var/leertraject.db"', f'url = "{url}"'))
    with pytest.raises(ConfigError, match=r"^database\.url: its password does not") as refused:
        load_settings(path)
    assert "S3cret-pw" not in str(refused.value) + refused.value.render("nl")
    assert refused.value.render("nl").startswith("database.url: het wachtwoord hoort niet in")
    monkeypatch.setenv("LEERTRAJECT_DATABASE__URL", url)
    plain = config_with(tmp_path, "")
    assert load_settings(plain).database_url() == url

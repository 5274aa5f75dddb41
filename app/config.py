"""Configuration: config.toml for the defaults, LEERTRAJECT_* environment variables on top.

Validated at start; every message names the key and what is wrong. Secrets are not settings:
they are read from the environment only (see app.secrets).
"""

from __future__ import annotations

import os
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core import i18n

# The packaged defaults: app/config.toml is a link to the repository's config.toml, so that
# one file stays the source and a wheel carries a copy (see docs/operations.md).
PACKAGED_CONFIG = Path(__file__).resolve().parent / "config.toml"
SYSTEM_CONFIG = Path("/etc/leertraject/config.toml")
_SECRET_WORDS = ("password", "passwd", "secret", "token")
_NOT_SECRETS = frozenset({"token_url"})  # [mail.oauth]: an address, not a token


class ConfigError(Exception):
    """A configuration that cannot run, with one line per problem: a text key of the
    catalogs (`config.*`) and its parameters, shown in the reader's language."""

    def __init__(self, *problems: tuple[str, dict[str, Any]]) -> None:
        super().__init__(*problems)
        self.problems = problems

    def render(self, language: str) -> str:
        return "\n".join(i18n.t(key, language, **params) for key, params in self.problems)

    def __str__(self) -> str:
        return self.render("en")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Section):
    url: str = "sqlite:///var/leertraject.db"


class CampaignSettings(_Section):
    name: str
    deadline: datetime
    min_preferences: int = Field(3, ge=1, le=12)
    max_preferences: int = Field(5, ge=1, le=12)
    verification_minutes: int = Field(15, ge=1)
    verification_max_attempts: int = Field(5, ge=1)
    answers_per_address_per_day: int = Field(10, ge=1)
    retention_days: int = Field(730, ge=1)

    @field_validator("deadline")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone, e.g. 2027-01-29T17:00:00+01:00")
        return value

    @model_validator(mode="after")
    def _limits(self) -> CampaignSettings:
        if self.min_preferences > self.max_preferences:
            raise ValueError("min_preferences is larger than max_preferences")
        return self


# -- signing in to the mailbox: a password, or OAuth 2.0 (docs/microsoft-365.md) ----------
MailAuth = Literal["password", "oauth2"]


class OAuthSettings(_Section):
    """The app registration that signs in with auth = "oauth2". Its client secret or
    certificate key comes from the environment only (app.secrets)."""

    tenant_id: str = ""
    client_id: str = ""
    mailbox: str = ""  # the mailbox the app signs in to; empty: mail.address
    scope: str = "https://outlook.office365.com/.default"
    authority: str = "https://login.microsoftonline.com"
    token_url: str = ""  # another provider's token endpoint (client-credentials grant)
    certificate_path: Path | None = None
    certificate_thumbprint: str = ""

    @field_validator("authority", "token_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if value and not value.startswith("https://"):
            raise ValueError("must be an https:// address (the secret is sent to it)")
        return value


# -- connections ---------------------------------------------------------------------------


class ImapSettings(_Section):
    auth: MailAuth = "password"
    host: str = "localhost"
    port: int = Field(993, ge=1, le=65535)
    username: str = ""
    tls: Literal["none", "starttls", "ssl"] = "ssl"
    inbox: str = "INBOX"
    processed_folder: str = "Verwerkt"
    ignored_folder: str = "Genegeerd"
    failed_folder: str = "Mislukt"


class SmtpSettings(_Section):
    auth: MailAuth = "password"
    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    username: str = ""
    tls: Literal["none", "starttls", "ssl"] = "starttls"


class MailSettings(_Section):
    address: str
    from_name: str = "VLAIO Leertrajecten"
    intake: Literal["maildir", "imap"] = "maildir"
    maildir: Path = Path("var/mail/inbox")
    transport: Literal["folder", "smtp"] = "folder"
    outbox_dir: Path = Path("var/mail/outbox")
    max_message_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    trusted_authserv_id: str = ""
    imap: ImapSettings = ImapSettings()
    smtp: SmtpSettings = SmtpSettings()
    oauth: OAuthSettings = OAuthSettings()

    @model_validator(mode="after")
    def _oauth_complete(self) -> MailSettings:
        if "oauth2" in (self.imap.auth, self.smtp.auth):
            if not self.oauth.client_id:
                raise ValueError('auth = "oauth2" needs mail.oauth.client_id')
            if not (self.oauth.tenant_id or self.oauth.token_url):
                raise ValueError('auth = "oauth2" needs mail.oauth.tenant_id (or token_url)')
        return self

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if "@" not in value or " " in value.strip():
            raise ValueError("must be an e-mail address such as leertrajecten@vlaio.be")
        return value.strip().lower()


class TelegramSettings(_Section):
    base_url: str = "https://api.telegram.org/bot"
    bot_username: str = ""
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""  # webhook mode: its path is served at web.listen (app/web.py)


class ReminderSettings(_Section):
    invited_days_before_deadline: list[float] = [7, 2]
    draft_hours_after_last_step: float = Field(24, gt=0)
    draft_days_before_deadline: list[float] = [2]
    pending_hours_after: float = Field(24, gt=0)
    kickoff_days_before: list[float] = [7, 1]
    sweep_minutes: float = Field(5, gt=0)
    late_hours: float = Field(24, gt=0)  # a reminder later than this is dropped, not sent


class AssignmentSettings(_Section):
    objective: Literal["rank-maximal", "sum-of-ranks"] = "rank-maximal"
    allow_unranked: bool = True
    seed: int = 0
    time_limit_seconds: float = Field(300, gt=0)
    # false: at the deadline staff get the dry-run report by e-mail and publish themselves.
    auto_publish: bool = False
    staff_email: str = ""
    report_dir: Path = Path("var/reports")


class OidcSettings(_Section):
    """Single sign-on with OpenID Connect (docs/console.md); the client secret comes from
    LEERTRAJECT_OIDC_CLIENT_SECRET only. An empty issuer: no single sign-on."""

    # The provider's issuer URL; its discovery document is <issuer>/.well-known/openid-configuration
    issuer: str = ""
    client_id: str = ""
    label: str = ""  # the provider's name on the sign-in button, e.g. "Microsoft"
    # Optional: a claim of the ID token (e.g. "roles" or "groups") whose values give the role
    # through `roles` (value -> viewer|editor|admin); empty: the staff account's own role.
    role_claim: str = ""
    roles: dict[str, Literal["viewer", "editor", "admin"]] = {}

    @model_validator(mode="after")
    def _complete(self) -> OidcSettings:
        if self.issuer and not self.client_id:
            raise ValueError("client_id is needed with an issuer")
        if self.role_claim and not self.roles:
            raise ValueError("role_claim needs [web.oidc.roles]: claim value = role")
        if self.issuer and urlsplit(self.issuer).scheme not in ("https", "http"):
            raise ValueError("issuer must be an https:// URL")
        return self


class WebSettings(_Section):
    """The staff console (web/, docs/console.md), served by `leertraject run`."""

    listen: str = "127.0.0.1:8080"
    # The address staff type, for sign-in links; empty: http://<listen>.
    public_url: str = ""
    # true behind HTTPS (a reverse proxy): cookies are sent over HTTPS only.
    secure_cookies: bool = False
    session_hours: float = Field(12, gt=0, le=24 * 14)
    oidc: OidcSettings = OidcSettings()

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 127.0.0.1:8080")
        return value

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.listen}").rstrip("/")


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class KernmeesterSettings(_Section):
    name: str
    email: str


class ThemeSettings(_Section):
    number: int = Field(ge=1, le=99)
    title_nl: str
    title_en: str
    description_nl: str = ""
    description_en: str = ""
    min_size: int = Field(ge=1)
    max_size: int = Field(ge=1)
    max_groups: int = Field(ge=0)
    kickoff_at: datetime | None = None
    kickoff_place: str = ""
    kernmeesters: list[KernmeesterSettings] = []

    @model_validator(mode="after")
    def _sizes(self) -> ThemeSettings:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size {self.min_size} is larger than max_size {self.max_size}")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LEERTRAJECT_", env_nested_delimiter="__", extra="forbid"
    )

    database: DatabaseSettings = DatabaseSettings()
    campaign: CampaignSettings
    mail: MailSettings
    telegram: TelegramSettings = TelegramSettings()
    reminders: ReminderSettings = ReminderSettings()
    assignment: AssignmentSettings = AssignmentSettings()
    logging: LoggingSettings = LoggingSettings()
    web: WebSettings = WebSettings()
    themes: list[ThemeSettings]
    source: Path = PACKAGED_CONFIG

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file (the file's values arrive as init arguments).
        return (env_settings, init_settings)

    @field_validator("themes")
    @classmethod
    def _distinct(cls, themes: list[ThemeSettings]) -> list[ThemeSettings]:
        numbers = [t.number for t in themes]
        doubles = sorted({n for n in numbers if numbers.count(n) > 1})
        if doubles:
            raise ValueError(f"theme number(s) {doubles} appear more than once")
        if not themes:
            raise ValueError("at least one theme is needed")
        return themes

    def path(self, value: Path) -> Path:
        """Relative paths are read from the folder of the configuration file; those of the
        packaged defaults (inside site-packages) from the working directory, the data folder."""
        if value.is_absolute():
            return value
        base = Path.cwd() if self.source == PACKAGED_CONFIG else self.source.parent
        return base / value

    def database_url(self) -> str:
        prefix = "sqlite:///"
        url = self.database.url
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.path(Path(url[len(prefix) :])))
        return url


def config_path(explicit: str | Path | None = None) -> Path:
    """The first of: --config, $LEERTRAJECT_CONFIG, ./config.toml,
    /etc/leertraject/config.toml, the packaged defaults."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get("LEERTRAJECT_CONFIG")
    if from_env:
        return Path(from_env)
    for candidate in (Path("config.toml"), SYSTEM_CONFIG):
        if candidate.is_file():
            return candidate
    return PACKAGED_CONFIG


def load_settings(path: str | Path | None = None) -> Settings:
    source = config_path(path)
    data = _read_toml(source)
    file = source.name
    secrets = [("config.secret", {"setting": key, "file": file}) for key in _secret_keys(data)]
    secrets += [("config.database_password", {"file": file}) for _ in _url_passwords(data)]
    if secrets:
        raise ConfigError(*secrets)
    try:
        # The packaged defaults keep their own name: their link leads back into the source tree.
        origin = source if source == PACKAGED_CONFIG else source.resolve()
        return Settings(**data, source=origin)
    except ValidationError as exc:
        raise ConfigError(*_describe(exc, source)) from exc


def _read_toml(source: Path) -> dict[str, Any]:
    try:
        raw = source.read_bytes()
        return tomllib.loads(raw.decode("utf-8"))
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise ConfigError(("config.not_found", {"file": source})) from exc
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        where = {"file": source, "line": line, "column": column, "byte": exc.start}
        raise ConfigError(("config.not_utf8", where)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(("config.not_toml", {"file": source, "detail": exc})) from exc


def _url_passwords(data: dict[str, Any]) -> list[str]:
    """A database URL with a password in the file: the password is a secret too."""
    database = data.get("database")
    url = database.get("url") if isinstance(database, dict) else None
    return ["database.url"] if isinstance(url, str) and urlsplit(url).password else []


def _secret_keys(data: Any, prefix: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}{key}"
            secret_like = any(word in key.lower() for word in _SECRET_WORDS)
            if secret_like and key.lower() not in _NOT_SECRETS:
                found.append(name)
            found.extend(_secret_keys(value, name + "."))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found.extend(_secret_keys(item, f"{prefix[:-1]}[{index}]."))
    return found


def _describe(exc: ValidationError, source: Path) -> list[tuple[str, dict[str, Any]]]:
    """pydantic's own words for what is wrong (English), with the key and where it came from."""
    return [
        (
            "config.invalid",
            {
                "setting": ".".join(str(part) for part in error["loc"]),
                "detail": error["msg"],
                "file": source.name,
            },
        )
        for error in exc.errors()
    ]

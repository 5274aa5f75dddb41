"""Readable log lines by default, JSON lines on request; never a secret or a message body."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from urllib.parse import urlsplit

_SECRET_ENV = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "LEERTRAJECT_IMAP_PASSWORD",
    "LEERTRAJECT_SMTP_PASSWORD",
)
_NOISY = ("httpx", "httpcore", "apscheduler", "alembic.runtime.migration")
_MESSAGE_DUMPERS = ("imapclient", "aiosmtplib")


class RedactSecrets(logging.Filter):
    """A last line of defence: if a secret's value ever reaches a log line, it is masked."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets = [v for name in _SECRET_ENV if len(v := os.environ.get(name, "")) >= 6]
        database = urlsplit(os.environ.get("LEERTRAJECT_DATABASE__URL", ""))
        if database.password and len(database.password) >= 6:
            self.secrets.append(database.password)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for value in self.secrets:
                message = message.replace(value, "***")
            record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that would log URLs with the bot token, or whole messages (personal data), at
    # DEBUG: warnings only, whatever the level.
    for noisy in (*_NOISY, *_MESSAGE_DUMPERS):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))

"""python-telegram-bot's Application as the bot's modules name it: any context types."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

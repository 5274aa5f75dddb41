"""Fixtures of the console's browser tests (tests/console_browser.py)."""

from console_browser import browser, served  # noqa: F401

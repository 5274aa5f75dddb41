"""OAuth 2.0 sign-in (a package: its conftest must not shadow tests/conftest.py)."""

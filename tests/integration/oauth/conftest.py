"""The OAuth 2.0 tests: the identity-provider stand-in and a Dovecot that takes its tokens."""

from tests.oauth_fixtures import oauth_box, oauth_idp, oauth_imap  # noqa: F401  (fixtures)

"""The configuration files of the test mail servers (Dovecot and OpenSMTPD)."""

DOVECOT_CONF = """\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mail_max_userip_connections = 100
# IDLE learns of new mail through inotify; where that is missing, look every second.
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/mail/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"""

# Recipients outside <domains> get "550 Invalid recipient"; unknown users inside them are
# refused by the virtual table (5.2.4), so nothing is accepted that cannot be delivered.
SMTPD_CONF = """\
table vusers file:{root}/vusers
table domains file:{root}/domains
listen on 127.0.0.1 port {smtp_port} hostname mx.test
action "deliver" lmtp "127.0.0.1:{lmtp_port}" rcpt-to virtual <vusers>
match from any for domain <domains> action "deliver"
"""

# Appended to DOVECOT_CONF by tests/oauth_fixtures.py: SASL XOAUTH2/OAUTHBEARER with bearer
# tokens of the identity-provider stand-in (tests/oauth_standin.py), checked by Dovecot itself.
DOVECOT_OAUTH2_CONF = """\
auth_mechanisms = plain login xoauth2 oauthbearer
# A refused token is answered at once: no 2 s failure delay, and no growing per-IP penalty
# (up to 15 s; every test connects from loopback).
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
"""

# Local JWT validation (Dovecot 2.3.11+): the public key is looked up in the dict under
# <azp or "default">/<alg>/<kid>; signature, exp, nbf, iat and the issuer are checked, and the
# claim named by username_attribute must equal the XOAUTH2 user.
DOVECOT_OAUTH2_EXT = """\
introspection_mode = local
local_validation_key_dict = fs:posix:prefix={keys}/
username_attribute = email
issuers = {issuer}
"""

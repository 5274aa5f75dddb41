"""The configuration files of the test mail servers (Dovecot and OpenSMTPD)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MAIL_UID = 65534

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


def write_dovecot_config(
    root: Path, users: Mapping[str, str], ports: tuple[int, int, int], extra: str = ""
) -> None:
    """dovecot.conf, the passwd file and the mail folder under root; ports are IMAP, IMAPS
    and LMTP; extra is appended to dovecot.conf."""
    for sub in ("run", "state"):
        (root / sub).mkdir()
    mail_dir = root / "mail"
    mail_dir.mkdir()
    os.chown(mail_dir, MAIL_UID, MAIL_UID)
    passwd = root / "passwd"
    passwd.write_text("".join(f"{a}:{{PLAIN}}{p}\n" for a, p in users.items()))
    passwd.chmod(0o644)  # read by Dovecot's unprivileged auth process
    imap_port, imaps_port, lmtp_port = ports
    values = {"imap_port": imap_port, "imaps_port": imaps_port, "lmtp_port": lmtp_port}
    (root / "dovecot.conf").write_text(
        DOVECOT_CONF.format(root=root, uid=MAIL_UID, **values) + extra
    )


def write_smtpd_config(
    root: Path, users: Mapping[str, str], smtp_port: int, lmtp_port: int
) -> None:
    domains = sorted({address.split("@", 1)[1] for address in users})
    (root / "vusers").write_text("".join(f"{a} nobody\n" for a in users))
    (root / "domains").write_text("".join(f"{d}\n" for d in domains))
    (root / "smtpd.conf").write_text(
        SMTPD_CONF.format(root=root, smtp_port=smtp_port, lmtp_port=lmtp_port)
    )

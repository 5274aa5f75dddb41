"""A real mail system on loopback for the integration tests: Dovecot and OpenSMTPD.

    with MailServers() as servers:
        servers.deliver(raw, to="intake@vlaio.test")        # SMTP -> OpenSMTPD -> LMTP
        servers.wait_for_messages("intake@vlaio.test", 1)  # IMAP

Dovecot (IMAP + LMTP) and OpenSMTPD run as child processes from configuration files in a
temporary folder, on free high ports of 127.0.0.1. Both need root (Dovecot switches to the
mail user 65534; OpenSMTPD insists on root) and the Debian packages installed by
scripts/install-test-services.sh. OpenSMTPD's control socket and spool are fixed
(/var/run/smtpd.sock, /var/spool/smtpd): where it can, OpenSMTPD gets a mount namespace
with private ones; otherwise only one MailServers can run per machine. Either way, never
run the tests that use it in parallel processes (pytest-xdist). See docs/mail-servers.md.
"""

from __future__ import annotations

import imaplib
import os
import shutil
import smtplib
import ssl
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from imapclient import IMAPClient

from mail.imap import ImapSettings
from mail.smtp import SmtpSettings
from tests.mailserver_config import write_dovecot_config, write_smtpd_config
from tests.mailserver_util import (
    HOST,
    SMTPD_SOCKET,
    accepts,
    alive,
    can_isolate,
    exe,
    free_port,
    make_certificate,
    missing_binaries,
    smtpd_owner,
    smtpd_socket_in_use,
    terminate,
    wait_until,
)

DEFAULT_USERS: tuple[tuple[str, str], ...] = (
    ("intake@vlaio.test", "intake-secret"),
    ("an.peeters@gent.example.test", "an-secret"),
    ("jan.janssens@brugge.example.test", "jan-secret"),
)


class MailServers:
    def __init__(
        self,
        users: Sequence[tuple[str, str]] = DEFAULT_USERS,
        *,
        dovecot_extra: Callable[[Path], str] | None = None,
        smtp: bool = True,
    ) -> None:
        """dovecot_extra writes its files under the root it gets and returns configuration
        for the end of dovecot.conf (tests/oauth_fixtures.py: the oauth2 passdb); smtp=False
        starts Dovecot alone."""
        self.users = dict(users)
        self._dovecot_extra = dovecot_extra
        self._with_smtp = smtp
        self.domains = sorted({address.split("@", 1)[1] for address in self.users})
        self.host = HOST
        self.imap_port = 0
        self.lmtp_port = 0
        self.smtp_port = 0
        self.imaps_port = 0  # IMAP over TLS; the plain port offers STARTTLS
        self.root = Path()
        self._dovecot: subprocess.Popen[bytes] | None = None
        self.isolated = False  # OpenSMTPD in a mount namespace of its own (see start_smtp)
        self._smtpd: subprocess.Popen[bytes] | None = None

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> MailServers:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if os.geteuid() != 0:
            raise RuntimeError("Dovecot and OpenSMTPD need root to run the test mail servers")
        if missing := missing_binaries():
            raise RuntimeError(
                f"missing {', '.join(missing)}: run scripts/install-test-services.sh"
            )
        self.root = Path(tempfile.mkdtemp(prefix="leertraject-mail-"))
        self.isolated = can_isolate()
        try:
            self.root.chmod(0o755)  # the mail user must reach its home below it
            ports = [free_port() for _ in range(4)]
            self.imap_port, self.imaps_port, self.lmtp_port, self.smtp_port = ports
            make_certificate(self.certificate, self.root / "key.pem")
            self._write_dovecot_config()
            self._write_smtpd_config()
            self.start_imap()
            if self._with_smtp:
                self.start_smtp(purge_queue=True)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.stop_smtp()
        self.stop_imap()
        if self.root != Path() and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    def start_imap(self) -> None:
        conf = self.root / "dovecot.conf"
        log = open(self.root / "dovecot.stderr", "ab")  # noqa: SIM115 (the child keeps it)
        self._dovecot = subprocess.Popen(
            [exe("dovecot"), "-F", "-c", str(conf)], stdout=log, stderr=log
        )
        log.close()
        self._wait_for_port(self._dovecot, self.imap_port, "dovecot.log")
        self._wait_for_port(self._dovecot, self.lmtp_port, "dovecot.log")
        self._wait_for_port(self._dovecot, self.imaps_port, "dovecot.log")

    def stop_imap(self) -> None:
        terminate(self._dovecot)
        self._dovecot = None

    def restart_imap(self) -> None:
        self.stop_imap()
        self.start_imap()

    def start_smtp(self, *, purge_queue: bool = False) -> None:
        """Start OpenSMTPD; purge_queue drops mail a previous run left in a shared spool."""
        conf = self.root / "smtpd.conf"
        if self.isolated:
            # A mount namespace of its own: a private /run for the control socket and pid
            # file, a private spool, so other OpenSMTPDs on the machine do not matter.
            spool = self.root / "spool"
            spool.mkdir(mode=0o711, exist_ok=True)
            script = (
                "mount -t tmpfs -o mode=755 tmpfs /run"
                # Debian's package does not ship the spool; smtpd makes it on its first start.
                " && mkdir -p /var/spool/smtpd"
                f" && mount --bind {spool} /var/spool/smtpd"
                f" && exec {exe('smtpd')} -d -f {conf}"
            )
            command = [exe("unshare"), "--mount", "sh", "-c", script]
        else:
            self._wait_for_free_control_socket()
            command = [exe("smtpd"), "-d", "-f", str(conf)]
            if purge_queue:
                command[1:1] = ["-P", "mda"]  # hold deliveries until the spool is clean
        log = open(self.root / "smtpd.log", "ab")  # noqa: SIM115 (the child keeps it)
        self._smtpd = subprocess.Popen(command, stdout=log, stderr=log)
        log.close()
        self._wait_for_port(self._smtpd, self.smtp_port, "smtpd.log")
        # The SMTP port can be open a moment before the control socket answers.
        wait_until(self._smtpctl_answers, 10.0, "the OpenSMTPD control socket")
        if purge_queue and not self.isolated:
            self._smtpctl("remove", "all")
            self._smtpctl("resume", "mda")

    @staticmethod
    def _wait_for_free_control_socket() -> None:
        try:  # a stopped instance may take a moment to let go of the control socket
            wait_until(lambda: not smtpd_socket_in_use(), 5.0, "a free control socket")
        except TimeoutError:
            raise RuntimeError(
                f"another OpenSMTPD holds {SMTPD_SOCKET} ({smtpd_owner()}); only one can "
                "run per machine: wait for the other test session, or stop the system "
                "service (scripts/install-test-services.sh)"
            ) from None

    def stop_smtp(self) -> None:
        terminate(self._smtpd)
        self._smtpd = None

    def kick_imap(self, address: str) -> None:
        """Drop every IMAP connection of this user, as a flaky network would.

        Returns once the server processes behind them are gone, so the next command on a
        kicked connection fails for certain.
        """
        pids = self._imap_pids(address)
        self._doveadm("kick", address)
        wait_until(lambda: not any(alive(pid) for pid in pids), 10.0, f"{address} kicked")

    def _imap_pids(self, address: str) -> list[int]:
        pids = []
        for line in self._doveadm("who", "-1").splitlines()[1:]:
            fields = line.split()
            if len(fields) >= 3 and fields[0] == address and fields[2].isdigit():
                pids.append(int(fields[2]))
        return pids

    # -- settings for the code under test -----------------------------------------------

    def imap_settings(self, address: str = "intake@vlaio.test", **overrides: Any) -> ImapSettings:
        values: dict[str, Any] = {
            "host": HOST,
            "port": self.imap_port,
            "username": address,
            "password": self.users[address],
            "tls": "none",
            "timeout": 10.0,
        }
        values.update(overrides)
        return ImapSettings(**values)

    def smtp_settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": HOST,
            "port": self.smtp_port,
            "username": None,
            "password": None,
            "tls": "none",
            "timeout": 10.0,
            "local_hostname": "client.test",
        }
        values.update(overrides)
        return SmtpSettings(**values)

    @property
    def smtp_host(self) -> str:
        return HOST

    @property
    def certificate(self) -> Path:
        """Dovecot's self-signed certificate (localhost, 127.0.0.1). OpenSMTPD has no TLS
        here: 6.8 on Debian 12 fails every handshake with OpenSSL 3 (its issue #1171)."""
        return self.root / "cert.pem"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts Dovecot's certificate and nothing else."""
        return ssl.create_default_context(cafile=str(self.certificate))

    # -- helpers for tests ---------------------------------------------------------------

    def deliver(
        self, raw: bytes, to: str | Sequence[str], sender: str = "sender@gent.example.test"
    ) -> None:
        """Hand a message to OpenSMTPD (it reaches Dovecot by LMTP a moment later)."""
        recipients = [to] if isinstance(to, str) else list(to)
        with smtplib.SMTP(HOST, self.smtp_port, local_hostname="client.test", timeout=10) as smtp:
            smtp.sendmail(sender, recipients, raw)

    @contextmanager
    def imap(self, address: str) -> Iterator[Any]:
        client = IMAPClient(HOST, port=self.imap_port, ssl=False, timeout=10)
        try:
            client.login(address, self.users[address])
            yield client
        finally:
            try:
                client.logout()
            except Exception:
                client.shutdown()

    def append(self, address: str, messages: Sequence[bytes], folder: str = "INBOX") -> None:
        """Put messages straight into a mailbox (faster than SMTP for floods)."""
        with self.imap(address) as client:
            for start in range(0, len(messages), 100):
                client.multiappend(folder, list(messages[start : start + 100]))

    def fetch_all(self, address: str, folder: str = "INBOX") -> list[bytes]:
        return [raw for raw, _ in self.fetch_with_flags(address, folder)]

    def fetch_with_flags(
        self, address: str, folder: str = "INBOX"
    ) -> list[tuple[bytes, tuple[bytes, ...]]]:
        """Every message in the folder with its flags, read without setting \\Seen."""
        with self.imap(address) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            if not uids:
                return []
            data = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])
            return [(data[uid][b"BODY[]"], tuple(data[uid][b"FLAGS"])) for uid in sorted(data)]

    def count(self, address: str, folder: str = "INBOX") -> int:
        # A test that kicks the user's connections may also kick this short-lived one.
        for attempt in range(3):
            try:
                with self.imap(address) as client:
                    if not client.folder_exists(folder):
                        return 0
                    return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])
            except (imaplib.IMAP4.abort, ConnectionError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def wait_for_messages(
        self, address: str, n: int, folder: str = "INBOX", timeout: float = 20.0
    ) -> list[bytes]:
        """Wait (bounded) until the folder holds at least n messages; return them all."""
        wait_until(lambda: self.count(address, folder) >= n, timeout, f"{n} messages in {folder}")
        return self.fetch_all(address, folder)

    def reset(self, timeout: float = 20.0) -> None:
        """Empty every mailbox once nothing is left in OpenSMTPD's queue: test isolation."""
        if self._smtpd is not None:
            wait_until(lambda: self._smtpctl("show", "queue").strip() == "", timeout, "empty queue")
        for address in self.users:
            with self.imap(address) as client:
                for _flags, _delimiter, name in client.list_folders():
                    if name.upper() != "INBOX":
                        client.delete_folder(name)
                client.select_folder("INBOX")
                if client.search("ALL"):
                    client.delete_messages(client.search("ALL"))
                    client.expunge()

    def logs(self) -> str:
        """The tail of both servers' logs, for failure messages."""
        parts = []
        for name in ("dovecot.log", "dovecot.stderr", "smtpd.log"):
            path = self.root / name
            if path.exists():
                parts.append(f"--- {name}\n" + path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    # -- internals -----------------------------------------------------------------------

    def _wait_for_port(self, process: subprocess.Popen[bytes], port: int, log: str) -> None:
        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{self.logs()}")
            return accepts(port)

        wait_until(ready, 20.0, f"port {port} ({log})")

    def _smtpctl_command(self, *args: str) -> list[str]:
        command = [exe("smtpctl"), *args]
        if self.isolated and self._smtpd is not None:
            return [exe("nsenter"), f"--target={self._smtpd.pid}", "--mount", "--", *command]
        return command

    def _smtpctl_answers(self) -> bool:
        if self._smtpd is not None and self._smtpd.poll() is not None:
            raise RuntimeError(f"smtpd exited with {self._smtpd.returncode}:\n{self.logs()}")
        command = self._smtpctl_command("show", "status")
        return subprocess.run(command, capture_output=True, timeout=10).returncode == 0

    def _smtpctl(self, *args: str) -> str:
        command = self._smtpctl_command(*args)
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise RuntimeError(f"smtpctl {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def _doveadm(self, *args: str) -> str:
        command = [exe("doveadm"), "-c", str(self.root / "dovecot.conf"), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True)
        return done.stdout

    def _write_dovecot_config(self) -> None:
        extra = self._dovecot_extra(self.root) if self._dovecot_extra else ""
        write_dovecot_config(
            self.root, self.users, (self.imap_port, self.imaps_port, self.lmtp_port), extra
        )

    def _write_smtpd_config(self) -> None:
        write_smtpd_config(self.root, self.users, self.smtp_port, self.lmtp_port)

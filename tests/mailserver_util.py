"""Process and network helpers of the test mail servers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"
SMTPD_SOCKET = Path("/var/run/smtpd.sock")
BINARIES = ("dovecot", "doveadm", "smtpd", "smtpctl")


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if which(name) is None]


def which(name: str) -> str | None:
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin" + os.pathsep + "/sbin"
    return shutil.which(name, path=path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05
) -> None:
    """Poll condition until it holds; raise TimeoutError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def make_certificate(cert: Path, key: Path) -> None:
    """A self-signed certificate for localhost and 127.0.0.1, valid for two days."""
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.chmod(0o600)


def can_isolate() -> bool:
    """Can we give OpenSMTPD a mount namespace (root with CAP_SYS_ADMIN, util-linux)?"""
    if os.environ.get("LEERTRAJECT_SHARED_SMTPD") or not (which("unshare") and which("nsenter")):
        return False
    probe = [exe("unshare"), "--mount", "true"]
    return subprocess.run(probe, capture_output=True, timeout=10).returncode == 0


def smtpd_owner() -> str:
    """Who runs the OpenSMTPD that holds the socket, as far as its pid file tells."""
    try:
        pid = int(Path("/run/smtpd.pid").read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError):
        return "unknown process"
    return f"pid {pid}: {command.strip()}"


def smtpd_socket_in_use() -> bool:
    if not SMTPD_SOCKET.exists():
        return False
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(str(SMTPD_SOCKET))
        except OSError:
            return False
    return True


def exe(name: str) -> str:
    path = which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: run scripts/install-test-services.sh")
    return path


def terminate(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)

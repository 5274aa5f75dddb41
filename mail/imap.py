"""IMAP intake: read the intake mailbox, hand each message to the pipeline, file it away.

The mailbox is the queue. A message stays in the inbox until the handler has given it a
disposition and it has been moved to the folder for that disposition, so a crash in between
leaves it in the inbox and it is offered again. The handler (the pipeline) is idempotent: the
second time it answers "duplicate" and the message is then moved. A message whose outcome could
not be recorded (the handler raised: database down) is left in the inbox, unmoved and
unflagged; the loop then waits for its RetryGate instead of idling and scans again.

Messages are fetched with ``BODY.PEEK[]`` so nothing is marked ``\\Seen`` by reading it, and
filed by moving them (Microsoft 365 refuses custom keywords). imapclient blocks, so the
long-running loop runs in its own thread; ``run_imap_intake`` is the asyncio face of it.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal

from imapclient import IMAPClient

from mail.imap_folders import ensure_folder, in_namespace, move, personal_prefix
from mail.intake import (
    FILED,
    Backoff,
    BatchHandler,
    Disposition,
    Handler,
    RetryGate,
    batches,
    handle_all,
    handle_safely,
)

log = logging.getLogger(__name__)

TlsMode = Literal["none", "starttls", "ssl"]
# Signs in on a connected client (mail.oauth.imap_login: XOAUTH2); None: LOGIN with the password.
Login = Callable[[Any], None]


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    tls: TlsMode
    inbox: str = "INBOX"
    processed_folder: str = "Verwerkt"
    ignored_folder: str = "Genegeerd"
    failed_folder: str = "Mislukt"
    # Servers may drop an IDLE after 30 minutes (RFC 2177 asks clients to renew before 29).
    idle_renew_seconds: float = 600.0
    poll_seconds: float = 60.0
    use_idle: bool = True
    timeout: float = 60.0
    batch_size: int = 50
    batch_max_bytes: int = 16 * 1024 * 1024
    login: Login | None = field(default=None, repr=False, compare=False)

    def folder_for(self, disposition: Disposition) -> str:
        return {
            Disposition.PROCESSED: self.processed_folder,
            Disposition.IGNORED: self.ignored_folder,
            Disposition.FAILED: self.failed_folder,
        }[disposition]


class EventKind(enum.Enum):
    CONNECTED = "connected"
    SCANNED = "scanned"
    IDLING = "idling"
    WOKEN = "woken"
    DISCONNECTED = "disconnected"
    BACKOFF = "backoff"
    UIDVALIDITY_CHANGED = "uidvalidity_changed"
    RETRYING = "retrying"  # an outcome could not be recorded: the message stays, wait and rescan
    STOPPED = "stopped"


@dataclass(frozen=True)
class IntakeEvent:
    """Something the loop did, for logs, metrics and tests (called from the intake thread)."""

    kind: EventKind
    count: int = 0
    delay: float = 0.0
    error: str = ""


class ConnectionLost(ConnectionError):
    """The server said BYE or closed the connection while we were idling."""


def _responses_say(responses: Sequence[Any], *words: bytes) -> bool:
    return any(
        isinstance(item, tuple) and any(part in words for part in item[:2]) for item in responses
    )


class ImapIntake:
    """The blocking intake loop. Use ``drain`` for one pass, ``run_forever`` for the service."""

    def __init__(
        self,
        settings: ImapSettings,
        handler: Handler,
        *,
        stop: threading.Event | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
        on_event: Callable[[IntakeEvent], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        stop_check_seconds: float = 0.5,
        gate: RetryGate | None = None,
        batch: BatchHandler | None = None,
    ) -> None:
        self._settings = settings
        self._handler = handler
        self._batch = batch  # several fetched messages in one transaction, if given
        self._stop = stop if stop is not None else threading.Event()
        self._backoff = backoff if backoff is not None else Backoff()
        self._sleep = sleep if sleep is not None else self._stop.wait
        self._clock = clock
        self._rand = rand
        self._on_event = on_event
        self._ssl_context = ssl_context
        self._tick = stop_check_seconds
        self._uidvalidity: int | None = None
        # Handled but not yet moved (the move failed): filed on the next pass without
        # calling the handler again, as long as UIDVALIDITY says the UIDs still mean the same.
        self._pending: dict[int, Disposition] = {}
        self._folders: dict[Disposition, str] = {}
        self.gate = gate if gate is not None else RetryGate(clock=clock, rand=rand)
        self._held = False  # this scan met an unrecorded outcome

    @property
    def stop_event(self) -> threading.Event:
        return self._stop

    def drain(self) -> int:
        """Connect, handle every message in the inbox, disconnect. Errors propagate."""
        with self._session() as client:
            self._prepare(client)
            return self._scan(client)

    def run_forever(self) -> None:
        """Scan, wait for news (IDLE or polling), repeat; reconnect with backoff on any error."""
        attempt = 0
        while not self._stop.is_set():
            try:
                with self._session() as client:
                    self._emit(IntakeEvent(EventKind.CONNECTED))
                    self._prepare(client)
                    while not self._stop.is_set():
                        count = self._scan(client)
                        attempt = 0
                        self._emit(IntakeEvent(EventKind.SCANNED, count=count))
                        if self._stop.is_set():
                            break
                        if self._held:
                            delay = self.gate.wait_seconds()
                            self._emit(IntakeEvent(EventKind.RETRYING, delay=delay))
                            self._sleep(delay)
                            continue
                        self._wait_for_news(client)
            except Exception as exc:
                if self._stop.is_set():
                    break
                delay = self._backoff.delay(attempt, self._rand)
                attempt += 1
                log.warning("IMAP intake lost its connection (%r); retrying in %.1f s", exc, delay)
                self._emit(IntakeEvent(EventKind.DISCONNECTED, error=repr(exc)))
                self._emit(IntakeEvent(EventKind.BACKOFF, delay=delay))
                self._sleep(delay)
        self._emit(IntakeEvent(EventKind.STOPPED))

    # -- connection -------------------------------------------------------------------

    def _connect(self) -> Any:
        s = self._settings
        context = self._ssl_context or ssl.create_default_context()
        client = IMAPClient(
            s.host,
            port=s.port,
            ssl=s.tls == "ssl",
            ssl_context=context if s.tls == "ssl" else None,
            timeout=s.timeout,
        )
        try:
            if s.tls == "starttls":
                client.starttls(context)
            if s.login is not None:
                s.login(client)
            else:
                client.login(s.username, s.password)
        except BaseException:
            with suppress(Exception):
                client.shutdown()
            raise
        return client

    @contextmanager
    def _session(self) -> Iterator[Any]:
        client = self._connect()
        try:
            yield client
        finally:
            try:
                client.logout()
            except Exception:
                with suppress(Exception):
                    client.shutdown()

    def _prepare(self, client: Any) -> None:
        prefix = personal_prefix(client)
        for disposition in FILED:
            name = in_namespace(prefix, self._settings.folder_for(disposition))
            ensure_folder(client, name)
            self._folders[disposition] = name
        info = client.select_folder(self._settings.inbox)
        uidvalidity = int(info[b"UIDVALIDITY"])
        if self._uidvalidity is not None and uidvalidity != self._uidvalidity:
            log.warning("UIDVALIDITY of %s changed: rescanning", self._settings.inbox)
            self._pending.clear()
            self._emit(IntakeEvent(EventKind.UIDVALIDITY_CHANGED))
        self._uidvalidity = uidvalidity

    # -- handling ---------------------------------------------------------------------

    def _scan(self, client: Any) -> int:
        """Handle everything in the inbox, searching again until nothing new turns up.

        Mail that arrives during the scan is announced in the responses to our own commands,
        not later in IDLE, so the scan must not stop before a search comes back empty.
        """
        handled = 0
        attempted: set[int] = set()
        self._held = False
        while not self._stop.is_set() and not self._held:
            uids = sorted(int(uid) for uid in client.search(["UNDELETED"]))
            self._file_pending(client, uids)
            todo = [uid for uid in uids if uid not in attempted and uid not in self._pending]
            if not todo:
                break
            attempted.update(todo)
            sizes = {
                int(uid): int(data.get(b"RFC822.SIZE", 0))
                for uid, data in client.fetch(todo, ["RFC822.SIZE"]).items()
            }
            s = self._settings
            for batch in batches(todo, sizes, s.batch_size, s.batch_max_bytes):
                if self._stop.is_set() or self._held:
                    break
                handled += self._handle_batch(client, batch)
        return handled

    def _handle_batch(self, client: Any, batch: list[int]) -> int:
        fetched = client.fetch(batch, ["BODY.PEEK[]"])
        raws = {u: bytes(r) for u in batch if (r := fetched.get(u, {}).get(b"BODY[]")) is not None}
        together = handle_all(self._batch, list(raws.values()))  # committed before filing
        dispositions: dict[int, Disposition] = {}
        for n, (uid, raw) in enumerate(raws.items()):  # a missing uid: expunged meanwhile
            disposition = together[n] if together else handle_safely(self._handler, raw)
            if disposition is Disposition.RETRY:
                # Nothing recorded: it stays in the inbox, and so do the rest of this scan.
                self.gate.failed()
                self._held = True
                break
            self.gate.succeeded()
            dispositions[uid] = disposition
            self._pending[uid] = disposition
        self._file(client, dispositions)
        return len(dispositions)

    def _file_pending(self, client: Any, uids: Sequence[int]) -> None:
        present = set(uids)
        self._pending = {uid: d for uid, d in self._pending.items() if uid in present}
        if self._pending:
            self._file(client, dict(self._pending))

    def _file(self, client: Any, dispositions: Mapping[int, Disposition]) -> None:
        by_folder: dict[str, list[int]] = {}
        for uid, disposition in dispositions.items():
            by_folder.setdefault(self._folders[disposition], []).append(uid)
        for folder, uids in by_folder.items():
            move(client, uids, folder)
            for uid in uids:
                self._pending.pop(uid, None)

    # -- waiting ----------------------------------------------------------------------

    def _wait_for_news(self, client: Any) -> None:
        if self._settings.use_idle and client.has_capability("IDLE"):
            self._idle(client)
        else:
            self._sleep(self._settings.poll_seconds)

    def _idle(self, client: Any) -> None:
        client.idle()
        self._emit(IntakeEvent(EventKind.IDLING))
        deadline = self._clock() + self._settings.idle_renew_seconds
        while not self._stop.is_set():
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            timeout = min(self._tick, remaining)
            started = time.monotonic()
            responses = client.idle_check(timeout=timeout)
            if _responses_say(responses, b"BYE"):
                raise ConnectionLost(f"server ended the IDLE: {responses!r}")
            if _responses_say(responses, b"EXISTS", b"RECENT"):
                self._emit(IntakeEvent(EventKind.WOKEN))
                break
            if not responses and time.monotonic() - started < timeout / 2:
                # imapclient reports a closed connection as an early, empty answer;
                # ending the IDLE tells a dead connection from a spurious wake-up.
                break
        client.idle_done()

    def _emit(self, event: IntakeEvent) -> None:
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("IMAP intake event listener raised")


def drain_once(settings: ImapSettings, handler: Handler, batch: BatchHandler | None = None) -> int:
    """One pass over the inbox (for tests and ``leertraject mail poll``); returns the count."""
    return ImapIntake(settings, handler, batch=batch).drain()


async def run_imap_intake(
    settings: ImapSettings,
    handler: Handler,
    stop: asyncio.Event,
    *,
    on_event: Callable[[IntakeEvent], None] | None = None,
    backoff: Backoff | None = None,
    ssl_context: ssl.SSLContext | None = None,
    batch: BatchHandler | None = None,
) -> None:
    """Run the intake loop in its own thread until ``stop`` is set (or this task is cancelled).

    The handler and on_event are called from that thread, never from the event loop.
    """
    thread_stop = threading.Event()
    intake = ImapIntake(
        settings,
        handler,
        stop=thread_stop,
        on_event=on_event,
        backoff=backoff,
        ssl_context=ssl_context,
        batch=batch,
    )
    loop = asyncio.get_running_loop()
    # A thread of its own: the loop runs for the life of the service and must not hold a
    # worker of the default executor that to_thread() callers share.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="imap-intake")
    worker = loop.run_in_executor(executor, intake.run_forever)
    waiter = asyncio.ensure_future(stop.wait())
    either: list[asyncio.Future[Any]] = [worker, waiter]
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        thread_stop.set()
        waiter.cancel()
        try:
            await asyncio.shield(worker)
        finally:
            executor.shutdown(wait=False)

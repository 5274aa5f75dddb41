"""The HTTP face of the stand-in (a threaded HTTP server on loopback) and the control API
tests use: scripted users, redelivery, inspection and the violation report."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .api import dispatch
from .models import JSON, Violation
from .params import Params
from .rules import Clock, Limits
from .state import StandInState
from .users import ScriptedUser
from .wire import RequestError, parse_request

DEFAULT_TOKEN = "123456789:AAH-standin-token-for-tests-0123456789"
_PATH = re.compile(r"/bot([^/]+)/([A-Za-z0-9_]+)/?")
_NOT_FOUND: JSON = {"ok": False, "error_code": 404, "description": "Not Found"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], state: StandInState) -> None:
        self.state = state
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        with self.connections_lock:
            self.connections.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self.connections_lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls
    server: _Server

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests' output is not the place for an access log

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        state = self.server.state
        path, _, query = self.path.partition("?")
        body = self._read_body()
        match = _PATH.fullmatch(path)
        if match is None:
            state.violate("bad_path", self.command, f"{path!r} is not /bot<token>/<method>")
            self._respond(404, _NOT_FOUND)
            return
        token, method_name = match[1], match[2]
        if token != state.token:
            state.violate("unauthorized", method_name, "wrong bot token")
            self._respond(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        try:
            values, files = parse_request(self.headers.get("Content-Type", ""), body, query)
        except (RequestError, ValueError) as error:
            state.violate("bad_request", method_name, f"unreadable request: {error}")
            self._respond(
                400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}
            )
            return
        status, payload = dispatch(state, method_name, Params(values, files))
        self._respond(status, payload)

    def _respond(self, status: int, payload: JSON) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up on this request (e.g. a cancelled long poll)
            self.close_connection = True


class TelegramStandIn:
    """A local Telegram Bot API server for one bot token, with scripted users and rule checks."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        limits: Limits | None = None,
        clock: Clock | None = None,
        bot_username: str = "leertraject_test_bot",
        bot_first_name: str = "Leertraject",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        prefix = token.split(":", 1)[0]
        bot_user: JSON = {
            "id": int(prefix) if prefix.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.token = token
        self.state = StandInState(token, limits or Limits(), clock or time.monotonic, bot_user)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._users: dict[int, ScriptedUser] = {}
        self._user_ids = itertools.count(5_000_001)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> TelegramStandIn:
        self._server = _Server(self._address, self.state)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="telegram-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.drop_connections()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> TelegramStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_user(self) -> JSON:
        return dict(self.state.bot_user)

    @property
    def limits(self) -> Limits:
        return self.state.limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self.state.set_limits(limits)

    # -- scripted users and updates ----------------------------------------------------------------

    def user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "nl",
    ) -> ScriptedUser:
        """The user with this id (created on first use; later calls return the same handle)."""
        with self.state.lock:
            if user_id is None:
                user_id = next(self._user_ids)
            existing = self._users.get(user_id)
            if existing is not None:
                return existing
            user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
            for key, value in (
                ("last_name", last_name),
                ("username", username),
                ("language_code", language_code),
            ):
                if value:
                    user[key] = value
            handle = ScriptedUser(self.state, user)
            self._users[user_id] = handle
            return handle

    def inject_update(self, raw: JSON) -> int:
        """Queue a raw update (``update_id`` is assigned if missing); returns its update_id."""
        return self.state.enqueue(dict(raw))

    def deliver_again(self, update_id: int) -> None:
        """Hand an already delivered update to the bot once more, as after a lost confirmation."""
        self.state.deliver_again(update_id)

    def delivery_count(self, update_id: int) -> int:
        with self.state.lock:
            return self.state.delivery_counts.get(update_id, 0)

    def wait_delivered(self, update_id: int, times: int = 1, timeout: float = 5.0) -> None:
        self.wait_until(
            lambda: self.delivery_count(update_id) >= times,
            timeout,
            f"update {update_id} to be delivered {times} time(s)",
        )

    def wait_confirmed(self, timeout: float = 5.0) -> None:
        """Wait until the bot has fetched and confirmed every queued update."""
        st = self.state
        self.wait_until(
            lambda: not st.pending and not st.redeliver, timeout, "all updates to be confirmed"
        )

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "a condition"
    ) -> None:
        """Block until ``predicate()`` holds; it is re-checked after every API call."""
        self.state.wait_until(predicate, timeout, what)

    async def await_until(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "a condition"
    ) -> None:
        """``wait_until`` for async tests: the event loop (and a bot on it) keeps running."""
        if not await self.state.await_ready(self.state.activity_waiters, predicate, timeout):
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")

    async def await_delivered(self, update_id: int, times: int = 1, timeout: float = 5.0) -> None:
        await self.await_until(
            lambda: self.delivery_count(update_id) >= times,
            timeout,
            f"update {update_id} to be delivered {times} time(s)",
        )

    @property
    def long_polling(self) -> bool:
        """Whether a getUpdates call is waiting for updates right now."""
        with self.state.lock:
            return self.state.waiting_polls > 0

    # -- inspection ------------------------------------------------------------------------------

    @property
    def calls(self) -> list[tuple[str, JSON]]:
        with self.state.lock:
            return list(self.state.calls)

    def calls_of(self, method_name: str) -> list[JSON]:
        return [params for name, params in self.calls if name.lower() == method_name.lower()]

    @property
    def commands(self) -> dict[str, list[tuple[str, str]]]:
        """Commands stored by setMyCommands for the default scope, keyed by language_code
        ("" is the fallback for all languages)."""
        return {
            language: commands
            for (scope, language), commands in self.command_sets.items()
            if scope == "default"
        }

    @property
    def command_sets(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """All stored command lists keyed by (scope, language_code); scope is e.g. "default",
        "all_private_chats" or "chat:<id>"."""
        with self.state.lock:
            return {
                key: [(c["command"], c["description"]) for c in commands]
                for key, commands in self.state.commands.items()
            }

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        with self.state.lock:
            return list(self.state.chat_actions)

    @property
    def pending_update_count(self) -> int:
        with self.state.lock:
            return len(self.state.pending) + len(self.state.redeliver)

    @property
    def violation_records(self) -> list[Violation]:
        self.state.check_callbacks(final=False)
        with self.state.lock:
            return list(self.state.violations)

    @property
    def violations(self) -> list[str]:
        return [str(v) for v in self.violation_records]

    def pop_violations(self, kind: str | None = None) -> list[str]:
        """Remove and return the violations (of one kind), for tests that provoke them."""
        self.state.check_callbacks(final=False)
        with self.state.lock:
            taken = [v for v in self.state.violations if kind is None or v.kind == kind]
            self.state.violations = [v for v in self.state.violations if v not in taken]
            return [str(v) for v in taken]

    def check_callbacks(self) -> None:
        """Flag callback queries unanswered for longer than the limit on the injected clock."""
        self.state.check_callbacks(final=False)

    def assert_no_violations(self, ignore: Iterable[str] = ()) -> None:
        """Fail listing every broken rule; delivered callback queries must be answered by now."""
        self.state.check_callbacks(final=True)
        skipped = set(ignore)
        with self.state.lock:
            found = [str(v) for v in self.state.violations if v.kind not in skipped]
        if found:
            raise AssertionError(
                f"the bot broke {len(found)} Telegram rule(s):\n" + "\n".join(found)
            )

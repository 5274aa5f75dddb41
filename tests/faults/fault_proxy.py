"""A TCP proxy on loopback in front of a real server, which a fault test turns bad and back:

- `forward`: passes bytes both ways (the server as it is);
- `down`: the port refuses connections and every open connection is cut (the server is down);
- `tempfail` (SMTP only): answers in place of the server, 220 and 250 to the greeting, then
  `451 4.3.0` to every MAIL FROM (the server is there but cannot take mail now).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

HOST = "127.0.0.1"


class FaultProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.mode = "forward"
        self.port = 0
        self.tempfails = 0  # MAIL FROMs answered 451
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def __enter__(self) -> FaultProxy:
        self._listen()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.set_mode("down")

    def set_mode(self, mode: str) -> None:
        assert mode in ("forward", "down", "tempfail"), mode
        self.mode = mode
        if mode == "down":
            if self._listener is not None:
                # shutdown wakes the thread blocked in accept(); close alone would leave the
                # kernel's socket listening under it.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            with self._lock:
                for sock in list(self._open):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                self._open.clear()
        elif self._listener is None:
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed: down
            if self.mode == "down":
                client.close()
                continue
            self._track(client)
            target = self._tempfail if self.mode == "tempfail" else self._forward
            threading.Thread(target=target, args=(client,), daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)

    def _forward(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection((HOST, self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        self._track(server)
        threading.Thread(target=_pump, args=(server, client), daemon=True).start()
        _pump(client, server)

    def _tempfail(self, client: socket.socket) -> None:
        reader = client.makefile("rb")
        try:
            client.sendall(b"220 mx.test ESMTP busy\r\n")
            for line in reader:
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    client.sendall(b"250 mx.test\r\n")
                elif verb == b"MAIL":
                    self.tempfails += 1
                    client.sendall(b"451 4.3.0 Temporary failure, try again later\r\n")
                elif verb == b"QUIT":
                    client.sendall(b"221 2.0.0 Bye\r\n")
                    return
                else:
                    client.sendall(b"503 5.5.1 Bad sequence of commands\r\n")
        except OSError:
            return
        finally:
            reader.close()
            client.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

"""A raw HTTP server on 127.0.0.1 for transport tests: each request answered with the next bytes given, each
request's bytes recorded; and the answers the sync client's two ways must end alike."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading

NO_ANSWER = b""


class RawServer:
    """Answers each request on 127.0.0.1 with the next raw answer (``NO_ANSWER``: none, the socket stays
    open until the test ends) and records each request's bytes (its port as ``PORT``)."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.seen: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.open.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError):  # closed by close() at the end of the test
            self._answer_each(connection)

    def _answer_each(self, connection: socket.socket) -> None:
        buffered = b""
        while True:
            while b"\r\n\r\n" not in buffered:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffered += chunk
            head, _, rest = buffered.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            while len(rest) < length:
                rest += connection.recv(65536)
            port = self.url.rsplit(":", 1)[1].encode()  # the same for every server: the wires compare
            self.seen.append((head + b"\r\n\r\n" + rest[:length]).replace(b":" + port, b":PORT"))
            buffered = rest[length:]
            answer = self.answers.pop(0)
            if answer == NO_ANSWER:
                return
            connection.sendall(answer)
            if b"connection: close" in answer.lower():
                connection.close()
                return

    def close(self) -> None:
        self.listener.close()
        for connection in self.open:
            connection.close()


def answer(status: str, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers]
    if not any(header.lower().startswith(("content-length", "transfer-encoding")) for header in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


ANSWERS = {
    "plain": [answer("200 OK", b"1000.00", "Content-Type: text/plain; charset=utf-8")],
    "gzip": [answer("200 OK", gzip.compress(b"1000.00"), "Content-Encoding: gzip")],
    "chunked": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n1000\r\n3\r\n.00\r\n0\r\n\r\n"],
    "bad chunk": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n1000\r\n0\r\n\r\n"],
    "cut short": [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n1000.00"],
    "bad gzip": [answer("200 OK", b"not gzip at all", "Content-Encoding: gzip")],
    "redirect": [answer("302 Found", b"moved", "Location: /elsewhere")],
    "redirect, odd location": [answer("307 Temporary Redirect", b"", "Location: /%zz")],
    "not found": [answer("404 Not Found", b"no such page")],
    "closed": [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n1000.00"],
    "never": [NO_ANSWER],
}

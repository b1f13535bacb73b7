"""HTTP/1.1 on a byte stream, for :mod:`transport.wire`: a request's head written, an answer read whole.

Framing, as RFC 9112 says and as requests/urllib3 read it: ``Transfer-Encoding: chunked`` (it wins over a
Content-Length), else ``Content-Length`` (several differing ones refused), else the server's close;
1xx interim answers skipped; no body after 204 and 304; ``Content-Encoding`` gzip / x-gzip / deflate
decoded, another one left as it came. Limits against a hostile or broken server: a line of at most
64 KiB, 100 header lines, an answer (and its decoded body) of at most 64 MiB.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

MAX_LINE = 65536
MAX_HEADERS = 100
MAX_BODY = 64 * 1024 * 1024
_NO_BODY = (204, 304)
_BAD_HEADER = ("\r", "\n", "\0")


class WireError(Exception):
    """An exchange that failed: ``kind`` as requests would name it, ``never_connected`` when nothing was
    sent. The text never holds the URL, the body or an answer's bytes."""

    def __init__(self, kind: str, *, never_connected: bool = False, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail
        self.never_connected = never_connected


def request_head(target: str, host: str, headers: dict[str, str], length: int) -> bytes:
    """The request line and headers; a value that could end a header early is refused before sending."""
    lines = [f"POST {target} HTTP/1.1", f"Host: {host}"]
    for name, value in headers.items():
        if any(bad in name or bad in value for bad in _BAD_HEADER) or ":" in name:
            raise WireError("InvalidHeader", never_connected=True, detail=f"header {name.split(':')[0]!r}")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {length}\r\n\r\n")
    try:
        return "\r\n".join(lines).encode("latin-1")
    except UnicodeEncodeError:  # as http.client refuses it; requests' way raises it bare
        raise WireError("InvalidHeader", never_connected=True, detail="a header that is not Latin-1") from None


def _line(reader: BinaryIO, what: str) -> bytes:
    line = reader.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise WireError("ConnectionError", detail=f"{what} longer than {MAX_LINE} bytes")
    return line


def read_answer(reader: BinaryIO) -> tuple[int, bytes, bool]:
    """(status, decoded body, connection reusable) of one answer read from ``reader``."""
    while True:
        line = _line(reader, "status line")
        if not line:
            raise WireError("ConnectionError", detail="closed without an answer")
        version, code = (*line.split(None, 2), b"", b"")[:2]  # split as http.client splits it: at any spaces
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit() or code < b"100":
            raise WireError("ConnectionError", detail="not an HTTP/1.x status line")
        status = int(code)
        headers = _headers(reader)
        if status >= 200 or status == 101:
            break
    if status == 101:
        raise WireError("ConnectionError", detail="the server switched protocols")
    tokens = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    keep = "keep-alive" in tokens if version == b"HTTP/1.0" else "close" not in tokens
    if status in _NO_BODY:
        return status, b"", keep
    codings = [coding for coding in (part.strip().lower() for part in headers.get("transfer-encoding", "").split(","))
               if coding not in ("", "identity")]  # "identity": no coding (RFC 9112), as requests reads it
    if codings and codings[-1] == "chunked":
        body = _chunked(reader)
        keep = keep and "content-length" not in headers  # both: a smuggling attempt, not kept
    elif codings:
        body, keep = _until_close(reader), False
    elif "content-length" in headers:
        body = _exactly(reader, _length(headers["content-length"]))
    else:
        body, keep = _until_close(reader), False
    return status, _decoded(body, headers.get("content-encoding", "")), keep


def _headers(reader: BinaryIO) -> dict[str, str]:
    """Header fields by lower-case name; repeated ones joined with ``, ``; folded lines joined."""
    found: dict[str, str] = {}
    last = ""
    for _ in range(MAX_HEADERS + 1):
        line = _line(reader, "header line")
        if line in (b"\r\n", b"\n", b""):
            return found
        text = line.decode("latin-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and last:  # obsolete line folding
            found[last] += " " + text.strip()
            continue
        name, colon, value = text.partition(":")
        if not colon:
            continue  # as http.client: a line that is not a field is skipped
        if name != name.rstrip():  # RFC 9112 5.1: "Content-Length : 5" must be refused (a smuggling device)
            raise WireError("ConnectionError", detail="white space before a header's colon")
        last = name.strip().lower()
        found[last] = f"{found[last]}, {value.strip()}" if last in found else value.strip()
    raise WireError("ConnectionError", detail=f"more than {MAX_HEADERS} header lines")


def _length(value: str) -> int:
    values = {part.strip() for part in value.split(",")}
    if len(values) != 1 or not ((length := values.pop()).isascii() and length.isdigit()):  # not "²"
        raise WireError("ConnectionError", detail="a bad or ambiguous Content-Length")
    significant = length.lstrip("0") or "0"  # int() refuses over 4,300 digits (a ValueError), zeros counted
    if len(significant) > len(str(MAX_BODY)) or int(significant) > MAX_BODY:
        raise WireError("ContentTooLarge", detail=f"an answer over {MAX_BODY} bytes")
    return int(significant)


def _exactly(reader: BinaryIO, length: int) -> bytes:
    body = reader.read(length)
    if len(body) < length:
        raise WireError("ChunkedEncodingError", detail=f"the answer ended after {len(body)} of {length} bytes")
    return body


def _chunked(reader: BinaryIO) -> bytes:
    body = bytearray()  # not a list of chunks: one bytes object a 1-byte chunk is ~90 bytes of memory
    while True:
        line = _line(reader, "chunk size line")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise WireError("ChunkedEncodingError", detail="a bad chunk size" if line else "the answer ended "
                            "inside its chunks") from None
        if size < 0 or not size_text.isalnum():
            raise WireError("ChunkedEncodingError", detail="a bad chunk size")
        if size == 0:
            break
        if len(body) + size > MAX_BODY:
            raise WireError("ContentTooLarge", detail=f"an answer over {MAX_BODY} bytes")
        body += _exactly(reader, size)
        if _line(reader, "chunk end") not in (b"\r\n", b"\n"):
            raise WireError("ChunkedEncodingError", detail="a chunk longer than its size")
    for _ in range(MAX_HEADERS + 1):  # trailer fields, ignored
        if _line(reader, "trailer line") in (b"\r\n", b"\n", b""):
            return bytes(body)
    raise WireError("ConnectionError", detail=f"more than {MAX_HEADERS} trailer lines")


def _until_close(reader: BinaryIO) -> bytes:
    body = bytearray()  # in pieces: read(MAX_BODY + 1) would ask for 64 MiB of memory for every such answer
    while piece := reader.read(65536):
        body += piece
        if len(body) > MAX_BODY:
            raise WireError("ContentTooLarge", detail=f"an answer over {MAX_BODY} bytes")
    return bytes(body)


def _decoded(body: bytes, encoding: str) -> bytes:
    """``body`` with its gzip / deflate codings undone, last applied first; others left as they came."""
    for coding in reversed([part.strip().lower() for part in encoding.split(",") if part.strip()]):
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, 16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            try:
                body = _inflate(body, zlib.MAX_WBITS)
            except WireError as error:
                if error.kind != "ContentDecodingError":  # too large: not tried again as raw deflate
                    raise
                body = _inflate(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
        elif coding != "identity":
            return body
    return body


def _inflate(body: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, MAX_BODY + 1)
    except zlib.error:
        raise WireError("ContentDecodingError", detail="the answer's compression does not decode") from None
    if len(out) > MAX_BODY:
        raise WireError("ContentTooLarge", detail=f"an answer over {MAX_BODY} bytes decoded")
    return out

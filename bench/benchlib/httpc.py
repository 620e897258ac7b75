"""A minimal asyncio HTTP/1.1 keep-alive client (GET and HEAD), timing when each response is complete."""

from __future__ import annotations

import asyncio
import time


class HTTPError(Exception):
    pass


class Response:
    __slots__ = ("status", "headers", "body", "done_at")

    def __init__(self, status: int, headers: dict[str, str], body: bytes, done_at: float):
        self.status, self.headers, self.body, self.done_at = status, headers, body, done_at

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 24)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def get(self, path: str, timeout: float = 10.0, method: str = "GET") -> Response:
        for attempt in (0, 1):
            if self.writer is None:
                await self._open()
            assert self.reader is not None and self.writer is not None
            self.writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
            try:
                return await asyncio.wait_for(self._read(method == "HEAD"), timeout)
            except (ConnectionError, asyncio.IncompleteReadError) as e:
                # A keep-alive connection the server closed between requests: retry once.
                self.close()
                if attempt:
                    raise HTTPError(f"GET {path}: {e!r}") from e
            except asyncio.TimeoutError as e:
                self.close()
                raise HTTPError(f"GET {path}: timed out after {timeout} s") from e
        raise AssertionError("unreachable")

    async def _read(self, head_only: bool = False) -> Response:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise ConnectionError(f"bad status line {lines[0]!r}")
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if head_only:
            body = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = await self.reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(chunks)
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        done = time.monotonic()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, body, done)

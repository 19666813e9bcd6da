"""Connections that cannot hold the server: a deadline for a request's head and body, a cap on
open connections, and a storm of them logged once rather than per connection.

uvicorn has a keep-alive timeout but no deadline for a request's head: 1,100 clients that sent
half their headers held 1,100 file descriptors for ever, and the server refused everyone else.
`GuardedHttpToolsProtocol` (what the CLI serves with) and `GuardedH11Protocol` are uvicorn's
httptools and h11 protocols with that deadline (MANUALGRAD_HEADER_TIMEOUT), a cap of 16 KB on a
head (431 after) and a cap on connections (MANUALGRAD_MAX_CONNECTIONS: one more is answered 503 and closed at
once); `BodyDeadline` gives a request's body MANUALGRAD_BODY_TIMEOUT to arrive (408 after).
"""
import asyncio
import logging
import time

from starlette.exceptions import HTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..settings import Settings

log = logging.getLogger("manualgrad")
STORM_EVERY = 60.0        # seconds between two log lines about the same kind of trouble

TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 45\r\n"
             b"connection: close\r\n\r\nthe request's head took too long to arrive\r\n")
MAX_HEAD_BYTES = 16 * 1024   # a request's line and headers
HEAD_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain\r\n"
                  b"content-length: 41\r\nconnection: close\r\n\r\nthe request's head is over 16,384 bytes\r\n")
TOO_MANY = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 40\r\n"
            b"retry-after: 5\r\nconnection: close\r\n\r\nthe server has too many open connections\r\n")


class Storm:
    """One log line for the first of a kind of event, then one a minute saying how many."""

    def __init__(self, what):
        self.what, self.count, self.last = what, 0, None

    def note(self):
        self.count += 1
        now = time.monotonic()
        if self.last is None or now - self.last >= STORM_EVERY:
            log.warning("%s: %d since the last report (reported at most once a minute)", self.what, self.count)
            self.count, self.last = 0, now


class OncePerMinute(logging.Filter):
    """Lets a log message through once a minute (with how many were held back), for the
    per-connection warnings of uvicorn and asyncio that a storm of bad clients would repeat
    thousands of times ("Invalid HTTP request received.", an accept out of file descriptors)."""

    def __init__(self):
        super().__init__()
        self.seen = {}              # message -> (last time let through, held back since)

    def filter(self, record):
        key = record.getMessage()[:200]
        now = time.monotonic()
        last, held = self.seen.get(key, (None, 0))
        if last is not None and now - last < STORM_EVERY:
            self.seen[key] = (last, held + 1)
            return False
        if len(self.seen) > 1000:
            self.seen.clear()
        self.seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last minute)"
        record.exc_info = None        # one line, not a traceback per connection
        return True


def quiet_storms():
    """Install OncePerMinute on the loggers that speak per connection (once per process)."""
    for name in ("uvicorn.error", "asyncio", "manualgrad.store"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, OncePerMinute) for f in logger.filters):
            logger.addFilter(OncePerMinute())


SLOW_HEADS = Storm("connections closed because their request head did not arrive within MANUALGRAD_HEADER_TIMEOUT")
REFUSED = Storm("connections refused: MANUALGRAD_MAX_CONNECTIONS were open")
SLOW_BODIES = Storm("requests answered 408 because their body did not arrive within MANUALGRAD_BODY_TIMEOUT")
_settings = None


def settings():
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


class Guard:
    """For one of uvicorn's HTTP protocols: a deadline for each request's head, a cap on the
    bytes a head may take, and a cap on open connections."""

    def connection_made(self, transport):
        super().connection_made(transport)
        self.head_timer = None
        self.head_bytes, self.head_tail = 0, b""
        if len(self.connections) > settings().max_connections:
            REFUSED.note()
            transport.write(TOO_MANY)
            transport.close()
            return
        self.arm_head_timer()

    def arm_head_timer(self):
        self.head_timer = self.loop.call_later(settings().header_timeout, self.head_timed_out)

    def disarm_head_timer(self):
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def head_timed_out(self):
        self.head_timer = None
        if self.cycle is None or self.cycle.response_complete:     # no request under way
            SLOW_HEADS.note()
            if not self.transport.is_closing():
                self.transport.write(TIMED_OUT)
                self.transport.close()

    def data_received(self, data):
        idle = self.cycle is None or self.cycle.response_complete
        if idle and self.head_timer is None:      # the first bytes of a request on a kept-alive connection
            self.arm_head_timer()
            self.head_bytes, self.head_tail = 0, b""
        if idle and self.head_too_large(data):     # at most 16 KB of head, however it arrives
            self.disarm_head_timer()
            self.transport.write(HEAD_TOO_LARGE)
            self.transport.close()
            return
        super().data_received(data)
        if self.cycle is not None and not self.cycle.response_complete:   # its head is complete
            self.disarm_head_timer()

    def head_too_large(self, data):
        """Count the bytes of `data` that belong to the head (up to its blank line, which may
        straddle two reads); whether the head is over MAX_HEAD_BYTES."""
        seen = self.head_tail + data
        end = seen.find(b"\r\n\r\n")
        self.head_bytes += len(data) if end < 0 else end + 4 - len(self.head_tail)
        self.head_tail = seen[-3:]
        return self.head_bytes > MAX_HEAD_BYTES

    def connection_lost(self, exc):
        self.disarm_head_timer()
        super().connection_lost(exc)


class GuardedH11Protocol(Guard, H11Protocol):
    """uvicorn's h11 protocol (pure Python), guarded."""


class GuardedHttpToolsProtocol(Guard, HttpToolsProtocol):
    """uvicorn's httptools protocol (a C parser: about a third less CPU per request), guarded."""


class BodyTimeout(HTTPException):
    """Raised from receive() when a body is late; an HTTPException, so that FastAPI passes it
    on (it turns other errors while reading a body into a 400) to its handler, a 408."""

    def __init__(self):
        super().__init__(408, "the request body did not arrive in time")


class BodyDeadline:
    """408 for a request whose body has not all arrived `seconds` after the request began."""

    def __init__(self, app, seconds):
        self.app, self.seconds = app, seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_done, started = False, False

        async def timed_receive():
            nonlocal body_done
            if body_done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise BodyTimeout() from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except BodyTimeout:
            SLOW_BODIES.note()
            if not started:
                payload = (b'{"detail": "the request body did not arrive within '
                           + f"{self.seconds:g}".encode() + b' s", "field": "body"}')
                await send({"type": "http.response.start", "status": 408,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(payload)).encode()),
                                        (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": payload})

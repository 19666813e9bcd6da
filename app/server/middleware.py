"""ASGI middleware: request body limits enforced before parsing, and security headers."""
import json
import re
import time

from starlette.exceptions import HTTPException

from .admission import LARGE_BODY, scope_address

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
DRAIN_FACTOR = 4      # a refused body up to 4 times the limit is read and dropped (see drain)


class BodyTooLarge(HTTPException):
    """Raised from receive() when a streamed body passes the limit; answered as 413."""

    def __init__(self, max_bytes):
        super().__init__(413, f"request body is larger than the limit of {max_bytes} bytes",
                         headers={"connection": "close"})   # the body may not have been read to its end
        self.body = {"detail": self.detail, "field": "body", "limit": max_bytes}


class ReceivingFull(HTTPException):
    """Raised from receive() when the bodies being received at once hold more than the server
    allows (MANUALGRAD_RECEIVING_MB); answered as 503 with Retry-After."""

    RETRY_SECONDS = 5

    def __init__(self):
        super().__init__(503, "the server is receiving too many large requests at once "
                              "(MANUALGRAD_RECEIVING_MB); try again in a few seconds",
                         headers={"connection": "close", "retry-after": str(self.RETRY_SECONDS)})
        self.body = {"detail": self.detail, "field": "body"}


async def send_json(send, status, body, headers=()):
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close"), *headers]})
    await send({"type": "http.response.body", "body": payload})


async def drain(receive, budget):
    """Read and drop the rest of a refused body, up to `budget` bytes, before the 413. Closing the
    connection on a client that is still sending makes its kernel reset it, and the 413 is lost
    (Python's http.client saw a broken pipe instead of the message)."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
        budget -= len(message.get("body", b""))


class BodyLimit:
    """413 for a body over `max_bytes` (or the path's own limit in `by_path`): from
    Content-Length before reading, or while streaming. And 503 for a body that would take the
    bytes of all bodies being received at once past `receiving_bytes` (unfinished bodies hold
    memory until their deadline: 20 of 12 MB held 222 MB)."""

    def __init__(self, app, max_bytes, by_path=None, receiving_bytes=64 * 2**20):
        self.app, self.default, self.by_path = app, max_bytes, by_path or {}
        self.receiving_bytes = receiving_bytes
        self.receiving = 0             # bytes of the bodies read so far by requests not yet answered

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        max_bytes = self.by_path.get(scope["path"], self.default)
        too_large = BodyTooLarge(max_bytes).body
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                if int(value) <= DRAIN_FACTOR * max_bytes:   # a huge one is not read at all
                    await drain(receive, int(value))
                return await send_json(send, 413, too_large)
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                size = len(message.get("body", b""))
                received += size
                self.receiving += size
                if received > max_bytes:
                    if message.get("more_body", False):
                        await drain(receive, (DRAIN_FACTOR - 1) * max_bytes)
                    raise BodyTooLarge(max_bytes)
                if self.receiving > self.receiving_bytes and message.get("more_body", False):
                    raise ReceivingFull()
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_json(send, 413, too_large)
        except ReceivingFull as busy:
            if not started:
                await send_json(send, 503, busy.body, headers=[(b"retry-after", str(busy.RETRY_SECONDS).encode())])
        finally:
            self.receiving -= received


class JSONOnly:
    """415 for a POST to one of `paths` (regular expressions, matched whole) whose body is not
    declared as JSON (no body at all included): a page elsewhere can send a form or text
    cross-site without asking, never JSON. The routes that need no key or session of their own:
    a create, an import, a class made or joined."""

    def __init__(self, app, paths):
        self.app, self.paths = app, re.compile("|".join(f"(?:{path})" for path in paths))

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and self.paths.fullmatch(scope["path"]):
            content_type = dict(scope["headers"]).get(b"content-type", b"")
            if content_type.split(b";")[0].strip().lower() != b"application/json":
                await drain(receive, 64 * 1024)
                return await send_json(send, 415, {
                    "detail": "send the body as JSON, with the header Content-Type: application/json "
                              "(an empty configuration is {})", "field": "content-type"})
        return await self.app(scope, receive, send)


class LargeBodyGuard:
    """429 before reading for a large body from an address whose large bodies keep being
    refused (admission.RefusalBudget); each large body refused with a 4xx is counted."""

    def __init__(self, app, budget, trusted):
        self.app, self.budget, self.trusted = app, budget, trusted

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"0")
        if not (length.isdigit() and int(length) > LARGE_BODY):
            return await self.app(scope, receive, send)
        forwarded = headers.get(b"x-forwarded-for")
        address = scope_address(scope.get("client"), forwarded.decode("latin-1") if forwarded else None,
                                self.trusted)
        wait = self.budget.exhausted(address)
        if wait is not None:
            if int(length) <= DRAIN_FACTOR * LARGE_BODY * 16:    # read it (not parse it): see drain
                await drain(receive, int(length))
            payload = json.dumps({"detail": f"too many large requests from your address were refused in the "
                                            f"last minute; try again in {wait} s", "field": "body"}).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(payload)).encode()),
                                    (b"retry-after", str(wait).encode()), (b"connection", b"close")]})
            return await send({"type": "http.response.body", "body": payload})

        async def counting_send(message):
            if message["type"] == "http.response.start" and 400 <= message["status"] < 500:
                self.budget.refused(address)
            await send(message)

        await self.app(scope, receive, counting_send)


class HeadAsGet:
    """HEAD answered as the GET of the same path would be, without the body (FastAPI routes
    answer only the methods they declare)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def without_body(message):
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


SECURITY_HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff",
                    "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


class SecurityHeaders:
    """CSP, nosniff and a referrer policy on every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + headers
            await send(message)

        await self.app(scope, receive, with_headers)


class Arrival:
    """Notes when a request reached the app (scope["state"]["arrived"]), where the stages of its
    Server-Timing header start (api/work.py)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            scope.setdefault("state", {})["arrived"] = time.perf_counter()
        await self.app(scope, receive, send)

"""Every error a client can cause becomes a 4xx JSON body naming the field; nothing leaks a trace."""
import json
import logging
import re

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from ..classes.notes import note_refusal
from .admission import RateLimited
from ..engine import PhaseError
from .middleware import SECURITY_HEADERS, BodyTooLarge, ReceivingFull
from .guards import SLOW_BODIES, BodyTimeout
from ..engine import ConfigError
from ..sessions.store import SessionNotFound, StoreFull, StoreUnavailable
from ..classes.model import ClassFull, ClassNotFound, ClassPaused

log = logging.getLogger("manualgrad")
store_log = logging.getLogger("manualgrad.store")   # once a minute per message (guards.quiet_storms)


# parts of a location that are not fields: where it came from, and the tags of unions
TAGS = ("body", "query", "path", "named", "points", "rows", "images", "sizes", "specs", "kernels",
        "conv2d", "maxpool2d", "avgpool2d", "flatten", "dense", "attention", "sequences")


def field_name(loc):
    """("body", "layers", 1) -> "layers[1]"; query and path parameters by their name."""
    parts = [p for p in loc if p not in TAGS]
    name = ""
    for p in parts:
        name += f"[{p}]" if isinstance(p, int) else (f".{p}" if name else str(p))
    return name or "body"


MAX_ERRORS = 20             # entries in one 422
MAX_ERROR_BYTES = 16 * 1024  # and its whole body
MAX_PART_CHARS = 64         # of one location part (a key can be megabytes long)
MAX_MSG_CHARS = 300
# pydantic names its own classes in some messages ("… or instance of OptimizerConfig")
INTERNAL_NAME = re.compile(r"(a valid dictionary )?or instance of \w+")


def clipped(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def validation_error(fields):
    """422 with one entry per field at fault, where it is and what its limit is: at most
    MAX_ERRORS of them and MAX_ERROR_BYTES in all, never the offending input itself."""
    fields = list(fields)
    entries = []
    for loc, msg, kind in fields[:MAX_ERRORS]:
        loc = [p if isinstance(p, int) else clipped(p, MAX_PART_CHARS) for p in loc][:12]
        msg = clipped(INTERNAL_NAME.sub(lambda m: "an object" if m.group(1) else "", str(msg)), MAX_MSG_CHARS)
        entries.append({"loc": loc, "field": clipped(field_name(loc), 200), "msg": msg, "type": clipped(kind, 40)})
    while len(entries) > 1 and len(json.dumps(entries)) > MAX_ERROR_BYTES - 200:
        entries.pop()
    body = {"detail": entries}
    if len(fields) > len(entries):
        body["more"] = len(fields) - len(entries)     # errors left out
    return JSONResponse(status_code=422, content=body)


def install_error_handlers(app: FastAPI):
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        # the offending input is left out: it may be NaN (not JSON) or megabytes long
        errors = exc.errors()
        if errors and errors[0]["type"] == "json_invalid":     # say where, and why
            reason = (errors[0].get("ctx") or {}).get("error", "")
            return validation_error([(("body",), f"the body is not valid JSON: {reason}", "json_invalid")])
        return validation_error([(e["loc"], e["msg"], e["type"]) for e in errors])

    @app.exception_handler(ConfigError)
    async def invalid_config(request: Request, exc: ConfigError):
        note_refusal(request, 422, str(exc))
        loc = (exc.location, *exc.field.split("."))
        return validation_error([(loc, str(exc), "value_error")])

    @app.exception_handler(PhaseError)
    async def wrong_phase(request: Request, exc: PhaseError):
        note_refusal(request, 409, str(exc))          # for the teacher's view of a class
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(ClassNotFound)
    async def unknown_class(request: Request, exc: ClassNotFound):
        return JSONResponse(status_code=404, content={
            "detail": "no such class: check the code, or it has ended (a class ends when its teacher ends it, "
                      "or after some hours unused)"})

    @app.exception_handler(ClassFull)
    async def class_full(request: Request, exc: ClassFull):
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(ClassPaused)
    async def class_paused(request: Request, exc: ClassPaused):
        note_refusal(request, 423, str(exc))
        return JSONResponse(status_code=423, content={"detail": str(exc)})

    @app.exception_handler(SessionNotFound)
    async def unknown_session(request: Request, exc: SessionNotFound):
        return JSONResponse(status_code=404, content={
            "detail": "no such session: it was deleted, or expired after being idle, or was "
                      "replaced by newer sessions; create a new one"})

    @app.exception_handler(StoreFull)
    async def store_full(request: Request, exc: StoreFull):
        return JSONResponse(status_code=503, content={"detail": str(exc)},
                            headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable):
        store_log.warning("answered 503: %s", exc)        # the details, for the operator
        return JSONResponse(status_code=503, content={"detail": exc.learner}, headers={"Retry-After": "2"})

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited):
        return JSONResponse(status_code=429, content={"detail": str(exc)},
                            headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(BodyTimeout)
    async def body_too_slow(request: Request, exc: BodyTimeout):
        SLOW_BODIES.note()
        seconds = request.app.state.settings.body_timeout
        return JSONResponse(status_code=408, headers={"connection": "close"}, content={
            "detail": f"the request body did not arrive within {seconds:g} s", "field": "body"})

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, exc: BodyTooLarge):
        # a streamed body passed the limit: the same answer as for a Content-Length over it
        return JSONResponse(status_code=413, content=exc.body, headers=exc.headers)

    @app.exception_handler(ReceivingFull)
    async def receiving_full(request: Request, exc: ReceivingFull):
        return JSONResponse(status_code=503, content=exc.body, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if exc.status_code == 400:   # FastAPI could not decode the body (bytes that are not UTF-8)
            return validation_error([(("body",), "the body is not valid JSON: it must be UTF-8 text",
                                      "json_invalid")])
        if exc.status_code == 405:   # Starlette's Allow names one route's methods, not all the path's
            allowed = [method.upper() for path, operations in request.app.openapi()["paths"].items()
                       if compile_path(path)[0].fullmatch(request.url.path) for method in operations]
            if allowed:
                exc.headers = {**(exc.headers or {}), "Allow": ", ".join(sorted(allowed))}
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # Starlette answers a 500 outside every middleware: the security headers are added here
        return JSONResponse(status_code=500, content={"detail": "internal error"},
                            headers=SECURITY_HEADERS)

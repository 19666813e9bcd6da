"""The store interface: where sessions live between requests, and what one request does with one.

Two stores implement it: MemoryStore (sessions/memory.py), this process's memory, and RedisStore
(sessions/redis/), shared by every process and machine of a class. A request holds its session
for its turn (`hold`), works on it on the compute thread (between `reserve` and `recount`, which
count the bytes it may grow to and then holds), and `save`s what it changed before its reply
says it happened.
"""
import math
import secrets
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from .session import Session


class SessionNotFound(LookupError):
    """No such session: never made, deleted, expired or evicted (404)."""


class StoreFull(RuntimeError):
    """No room without taking a session in use; `retry_after` seconds until there may be (503)."""

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class StoreUnavailable(RuntimeError):
    """The store cannot be reached, or lost a request's hold on its session: 503, try again.
    The message is for the operator's log; `learner` is what the learner reads."""

    UNREACHABLE = ("the server cannot reach its session store; your work is kept and will be back "
                   "shortly: try again in a moment")

    def __init__(self, detail, learner=UNREACHABLE):
        super().__init__(detail)
        self.learner = learner


def new_id():
    """A session's id: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


class Store(Protocol):
    """What the routes ask of a session store."""

    async def create(self, session: Session, replaces: str | None = None) -> bool:
        """Keep a new session (StoreFull if there is no room); `replaces`, the caller's previous
        session, goes first. Whether it replaced one (another create may have, first)."""

    async def exists(self, session_id: str) -> bool:
        """Whether the session is there (without using it)."""

    def hold(self, session_id: str, cancel: bool = False) -> AbstractAsyncContextManager[Session]:
        """The session for one request, held for its turn (one request at a time per session, in
        the order they came) and released after it; SessionNotFound if there is none. With cancel
        (a reset), work of earlier turns stops first."""

    async def save(self, session: Session) -> None:
        """After a request's work: what it changed kept where every process finds it."""

    async def delete(self, session_id: str) -> None:
        """Forget the session (SessionNotFound if there is none); work on it stops."""

    async def count(self) -> int:
        """The sessions held."""

    async def trouble(self) -> str | None:
        """Why the store cannot serve now, or None."""

    def reserve(self, session: Session) -> None:
        """Before work: room for the session at its largest (StoreFull if there is none)."""

    def recount(self, session: Session) -> None:
        """After work: what the session holds now."""

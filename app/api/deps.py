"""Shared lookups: the store, and a session locked for the length of one request."""
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Path, Query, Request

from ..limits import MAX_POINTS
from ..sessions import Session
from ..store import SessionNotFound, SessionStore


def get_store(request: Request) -> SessionStore:
    return request.app.state.store


async def locked_session(request: Request,
                         session_id: Annotated[str, Path(max_length=64)]) -> AsyncIterator[Session]:
    """The session, held under its lock so that one learner's requests run one at a time.

    The wait polls on the event loop rather than blocking a worker thread: requests blocked in
    worker threads could fill the pool and leave the lock's holder no thread to finish on, which
    froze the whole server (40 concurrent requests on one session were enough)."""
    session = get_store(request).get(session_id)
    pause = 0.001
    while not session.lock.acquire(blocking=False):
        await anyio.sleep(pause)
        pause = min(pause * 2, 0.02)
    try:
        if session.closed:          # deleted or evicted while this request waited
            raise SessionNotFound(session_id)
        yield session
    finally:
        session.lock.release()


StoreDep = Annotated[SessionStore, Depends(get_store)]
SessionDep = Annotated[Session, Depends(locked_session)]
SampleQuery = Annotated[int, Query(ge=0, lt=MAX_POINTS, description="dataset index of the sample to show")]

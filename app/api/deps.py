"""Shared lookups: the store, and a session locked for the length of one request."""
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from ..limits import MAX_POINTS
from ..sessions import Session
from ..store import SessionNotFound, SessionStore


async def get_store(request: Request) -> SessionStore:
    return request.app.state.store


async def locked_session(request: Request,
                         session_id: Annotated[str, Path(max_length=64)]) -> AsyncIterator[Session]:
    """The session, held under its lock so that one learner's requests run one at a time.

    The wait polls on the event loop rather than blocking a worker thread: requests blocked in
    worker threads could fill the pool and leave the lock's holder no thread to finish on, which
    froze the whole server (40 concurrent requests on one session were enough)."""
    session = request.app.state.store.get(session_id)
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


INLINE_WORK = 2_000_000   # multiply-adds a request may do on the event loop; more go to a worker thread


def step_work(trainer, steps=1):
    """Rough multiply-adds of `steps` forward+backward+update on the full data, and the accuracy."""
    weights = sum(layer.W.size for layer in trainer.network.layers)
    return weights * len(trainer.X) * (3 * steps + 1)


async def run_sized(work, fn, *args):
    """fn(*args) on the event loop when `work` is small (no thread hop, no GIL hand-off: under
    load they cost more than the work itself); in the thread pool when it could hold others up."""
    if work <= INLINE_WORK:
        return fn(*args)
    return await run_in_threadpool(fn, *args)

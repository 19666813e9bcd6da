"""Shared lookups: the store, and a session locked for the length of one request."""
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from ..limits import MAX_POINTS
from ..sessions import Session
from ..store import SessionNotFound, SessionStore


def get_store(request: Request) -> SessionStore:
    return request.app.state.store


def locked_session(request: Request,
                   session_id: Annotated[str, Path(max_length=64)]) -> Iterator[Session]:
    """The session, held under its lock so that one learner's requests run one at a time."""
    session = get_store(request).get(session_id)
    with session.lock:
        if session.closed:          # deleted or evicted while this request waited
            raise SessionNotFound(session_id)
        yield session


StoreDep = Annotated[SessionStore, Depends(get_store)]
SessionDep = Annotated[Session, Depends(locked_session)]
SampleQuery = Annotated[int, Query(ge=0, lt=MAX_POINTS, description="dataset index of the sample to show")]

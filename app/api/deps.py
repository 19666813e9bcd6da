"""Shared lookups: the store, the compute scheduler, and a session held for one request's turn."""
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from ..sessions.compute import Scheduler
from ..limits import MAX_POINTS
from ..server.admission import client_address
from ..engine import ConfigError
from ..sessions.session import Session
from ..sessions.store import Store


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_scheduler(request: Request) -> Scheduler:
    return request.app.state.scheduler


SessionId = Annotated[str, Path(max_length=64)]


def held(request, session_id, cancel=False):
    """The session, held for this request's turn (an async context manager): the store's hold()."""
    return request.app.state.store.hold(session_id, cancel=cancel)


async def locked_session(request: Request, session_id: SessionId) -> AsyncIterator[Session]:
    """The session, held for this request's turn."""
    async with held(request, session_id) as session:
        yield session


async def cancelling_session(request: Request,
                             session_id: Annotated[str, Path(max_length=64)]) -> AsyncIterator[Session]:
    """The session for a reset: trains that came before it stop at once (they answer with what
    they ran, `stopped: "cancelled"`), then this request takes its turn."""
    async with held(request, session_id, cancel=True) as session:
        yield session


StoreDep = Annotated[Store, Depends(get_store)]
SchedulerDep = Annotated[Scheduler, Depends(get_scheduler)]
SessionDep = Annotated[Session, Depends(locked_session)]
ResetSessionDep = Annotated[Session, Depends(cancelling_session)]
SampleQuery = Annotated[int, Query(ge=0, lt=MAX_POINTS, description="dataset index of the sample to show")]


def sample_of(session, sample):
    """`sample`, or a 422 naming it when it is past the session's data."""
    if sample >= len(session.trainer.X):
        raise ConfigError("sample", f"sample must be below {len(session.trainer.X)}, "
                                    f"the number of points, got {sample}", location="query")
    return sample


async def checked_sample(session: SessionDep, sample: SampleQuery = 0) -> int:
    """The `sample` query parameter, checked before any work, so that a refused request has
    changed nothing."""
    return sample_of(session, sample)


Sample = Annotated[int, Depends(checked_sample)]
ReplacesQuery = Annotated[str | None, Query(max_length=64, description=(
    "the id of the caller's previous session: it is deleted once the new one exists, and the "
    "create is then not counted by the rate limit"))]


async def admit_tool(request: Request):
    """The rate limit per client address of the stateless tools that cost compute (the graph lab,
    link codes, imports: MANUALGRAD_TOOLS_PER_MINUTE); 429 past it."""
    await request.app.state.tools_limiter.admit(client_address(request, request.app.state.trusted_proxies))


ToolLimit = Depends(admit_tool)

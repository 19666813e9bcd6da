"""Creating, reading, resetting and deleting sessions."""
import inspect

from fastapi import APIRouter, Request, Response

from ...server.admission import RateLimited, client_address
from ...engine import peak_bytes
from ..jsonbody import JSONBytes
from ..responses import SessionState, errors
from ...sessions.config import SessionConfig
from ...engine import ConfigError
from ...sessions.session import Session, build_trainer
from ...sessions.store import new_id
from ..routing import FastJSONRoute
from ..deps import ReplacesQuery, ResetSessionDep, SampleQuery, SessionId, StoreDep, held, sample_of
from ..classroom import progress_of
from ..work import compute, state_body

router = APIRouter(route_class=FastJSONRoute, prefix="/api/sessions", tags=["sessions"],
                   responses=errors(413, 415, 422, 429, 503))


def check_size(request, trainer):
    """422 for a network that could hold more than one session may (MANUALGRAD_MAX_SESSION_MB)."""
    limit = request.app.state.settings.max_session_mb
    size = peak_bytes(trainer) / 2**20
    if size > limit:
        n, sizes = len(trainer.X), trainer.network.sizes
        raise ConfigError("layers", f"this network ({'-'.join(map(str, sizes))}) on {n} points could hold "
                                    f"{size:.1f} MB, over this server's limit of {limit:g} MB per session "
                                    f"(MANUALGRAD_MAX_SESSION_MB): use fewer points, layers or units")


async def make_session(request, trainer_of, sample=0, replaces=None):
    """A new session from what trainer_of() builds on the compute thread (a function, or a
    generator that pauses on the way), kept in the store: (the session, its state as JSON).

    A create counts against the client's rate limit unless it replaces the caller's previous
    session (`replaces`, a live session's id), which then goes: the page sends it with every
    rebuild, so a class changing its learning rate together is never refused. A replace is free
    only once: of creates that name the same session at once, one replaces it and the others
    count (and are refused past the limit, their new session gone)."""
    store, limiter = request.app.state.store, request.app.state.limiter
    address = client_address(request, request.app.state.trusted_proxies)
    free = bool(replaces) and await store.exists(replaces)
    if not free:
        await limiter.admit(address)
    # a learner in a class who rebuilds (a setting changed, a lesson opened) stays in it
    in_class = free and await request.app.state.classes.member(replaces) is not None
    progress = []

    def create(job):
        built = trainer_of()
        trainer, normalised, spec = (yield from built) if inspect.isgenerator(built) else built
        check_size(request, trainer)
        session = Session(new_id(), trainer, normalised, spec)
        if in_class:
            progress.append(progress_of(trainer))
        return session, state_body(session, min(sample, len(trainer.X) - 1))

    session, body = await request.app.state.scheduler.run(create)
    replaced = await store.create(session, replaces=replaces if free else None)
    if free and not replaced:
        try:                           # another create replaced it first: this one counts
            await limiter.admit(address)
        except RateLimited:
            await store.delete(session.id)
            raise
    elif in_class:
        await request.app.state.classes.moved(replaces, session.id, progress[0])
    return session, body


async def open_session(request, trainer_of, sample, replaces=None, status_code=201):
    """make_session's session, its state as the reply."""
    session, body = await make_session(request, trainer_of, sample, replaces)
    return JSONBytes(body, status_code=status_code, headers={"Location": f"/api/sessions/{session.id}"})


@router.post("", status_code=201, response_model=SessionState, responses={
    201: {"headers": {"Location": {"description": "the new session's URL", "schema": {"type": "string"}}}}})
async def create_session(request: Request, config: SessionConfig | None = None, sample: SampleQuery = 0,
                         replaces: ReplacesQuery = None):
    """Build a network from `config` (every field has a default; the body `{}` gives the
    starter network) and hold it for this learner; `replaces` names the caller's previous
    session, deleted once this one exists (and then not counted by the rate limit)."""
    config = config or SessionConfig()
    return await open_session(request, lambda: (*build_trainer(config), config), sample, replaces)


def read_state(job, session, sample):
    return state_body(session, sample)


@router.get("/{session_id}", response_model=SessionState, responses=errors(404))
async def get_session(request: Request, session_id: SessionId, sample: SampleQuery = 0):
    """The session's state."""
    async with held(request, session_id) as session:      # plain parameters, as the phases
        return await compute(request, session, "state", read_state, session, sample_of(session, sample))


@router.delete("/{session_id}", status_code=204, responses=errors(404))
async def delete_session(session_id: SessionId, store: StoreDep):
    """Forget the session (a train running on it stops at once)."""
    await store.delete(session_id)
    return Response(status_code=204)


def reset(job, session, sample):
    session.trainer.reset()
    return state_body(session, sample)


@router.post("/{session_id}/reset", response_model=SessionState, responses=errors(404))
async def reset_session(request: Request, session: ResetSessionDep, sample: SampleQuery = 0):
    """Back to the starting parameters, step 0, a fresh optimiser (a train running stops first)."""
    return await compute(request, session, "state", reset, session, sample_of(session, sample))

"""The phases of a training step, one request each, and training many steps at once."""
import time

from fastapi import APIRouter, Depends, Request

from ..responses import SessionState, TrainState, errors
from ..schemas import RewindRequest, TrainRequest, WeightEdit
from ...sessions.store import SessionNotFound
from ..routing import FastJSONRoute
from ..deps import Sample, SampleQuery, SessionDep, SessionId, held, sample_of
from ..work import compute, state_body, within
from ..classroom import not_paused

NotPaused = Depends(not_paused)       # a class's teacher may pause its sessions' phases (423)
router = APIRouter(route_class=FastJSONRoute, prefix="/api/sessions/{session_id}", tags=["phases"],
                   responses=errors(404, 413, 422, 503))


def phase(job, session, sample, action):
    """Run one phase of the session; its state."""
    getattr(session.trainer, action)()
    return state_body(session, sample)


async def run_phase(request, session_id, sample, action):
    """One phase on the session, held for this request's turn. The three phases are the clicks
    of a class: their routes take plain parameters, no dependencies to solve (a third of a
    click's time in FastAPI went to solving the session's dependency)."""
    async with held(request, session_id) as session:
        return await compute(request, session, "phase", phase, session, sample_of(session, sample), action)


@router.post("/forward", response_model=SessionState, responses=errors(423), dependencies=[NotPaused])
async def run_forward(request: Request, session_id: SessionId, sample: SampleQuery = 0):
    """Forward pass on the next batch: every layer's Z and A, and the loss."""
    return await run_phase(request, session_id, sample, "forward")


@router.post("/backward", response_model=SessionState, responses=errors(409, 423), dependencies=[NotPaused])
async def run_backward(request: Request, session_id: SessionId, sample: SampleQuery = 0):
    """Backward pass: dA, dZ, dW, db of every layer (409 before a forward)."""
    return await run_phase(request, session_id, sample, "backward")


@router.post("/step", response_model=SessionState, responses=errors(409, 423), dependencies=[NotPaused])
async def run_step(request: Request, session_id: SessionId, sample: SampleQuery = 0):
    """One optimiser update of every W and b (409 without gradients for the current parameters)."""
    return await run_phase(request, session_id, sample, "step")


@router.post("/train", response_model=TrainState, responses=errors(423), dependencies=[NotPaused])
async def run_train(request: Request, session_id: SessionId, body: TrainRequest, sample: SampleQuery = 0):
    """`steps` full iterations (forward, backward, step on successive batches), with each loss.

    Stops early if the loss stops being finite, after the server's limit of compute time per
    request, or when a reset or delete of the session comes; `steps_run` and `stopped` say so."""
    limit = request.app.state.settings.train_seconds
    async with held(request, session_id) as session:      # Play: plain parameters, as the phases
        # a train marks the session as on Play for a while: its work (this train, and the
        # pictures the page fetches between trains) waits behind the class's clicks
        session.playing_until = time.monotonic() + PLAY_SECONDS
        return await compute(request, session, "train", train_steps, session, body.steps, limit,
                             sample_of(session, sample), session.ticket)


PLAY_SECONDS = 2.0          # after a train, a session's work is bulk work for this long


def train_steps(job, session, steps, limit, sample, ticket):
    """Train `steps` iterations in `limit` seconds of compute, pausing (yielding) after each; the
    state with each loss and why it stopped."""
    iterations = session.trainer.iterate(steps)
    losses, stopped = [], None
    while len(losses) < steps:
        if session.cancelled(ticket):
            stopped = "cancelled"
            break
        if job.spent > limit:
            stopped = f"time limit of {limit:g} s per request"
            break
        loss = next(iterations, None)
        if loss is None:
            break
        losses.append(loss)
        yield
    if session.closed:
        raise SessionNotFound(session.id)
    if session.trainer.diverged:
        stopped = "diverged"
    last = session.trainer.last_gradients if losses else None
    # how long its work waited for the compute thread so far: Play slowed by a busy server
    waited = time.perf_counter() - job.submitted - job.spent
    return state_body(session, sample, losses=losses, steps_run=len(losses), stopped=stopped, waited=round(waited, 4),
                      last_gradients=None if last is None else [{"dW": dW, "db": db} for dW, db in last])


@router.post("/rewind", response_model=SessionState, responses=errors(409))
async def run_rewind(request: Request, session: SessionDep, body: RewindRequest, sample: Sample):
    """Back to update `step`, replayed from the nearest kept state before it (GET /history's
    `reachable`; a step out of reach is 409); the histories after it are dropped, and training
    on from there does exactly what it did the first time."""
    limit = request.app.state.settings.train_seconds
    return await compute(request, session, "rewind", rewind, session, body.step, sample, limit)


def rewind(job, session, step, sample, limit):
    yield from within(job, session.trainer.rewind(step), limit, step)
    return state_body(session, sample)


@router.post("/weight", response_model=SessionState)
async def edit_weight(request: Request, session: SessionDep, body: WeightEdit, sample: Sample):
    """Set one weight (`param` "W", with `i` and `j`; a conv2d's with `o`, `c`, `u`, `v`) or bias ("b", with
    `i`) of layers[`layer`] to
    `value`: the phase is fresh again; the step count, the optimiser's memory and the Reset
    target stay as they were."""
    return await compute(request, session, "phase", set_weight, session, body, sample)


def set_weight(job, session, body, sample):
    session.trainer.set_weight(body.layer, body.param, body.model_dump(include={"i", "j", "o", "c", "u", "v"}),
                               body.value)
    return state_body(session, sample)

"""The phases of a training step, one request each, and training many steps at once."""
import math
import time

from fastapi import APIRouter, Request

from ..responses import SessionState, TrainState, errors
from ..schemas import TrainRequest
from .deps import SampleQuery, SessionDep, run_sized, step_work
from .sessions import check_sample, state_response

router = APIRouter(prefix="/api/sessions/{session_id}", tags=["phases"], responses=errors(404, 413, 422))


def phase(session, sample, action):
    """Run one phase of the session and answer with its state."""
    check_sample(session, sample)
    action()
    return state_response(session, sample)


@router.post("/forward", response_model=SessionState)
async def run_forward(session: SessionDep, sample: SampleQuery = 0):
    """Forward pass on the next batch: every layer's Z and A, and the loss."""
    return await run_sized(step_work(session.trainer), phase, session, sample, session.trainer.forward)


@router.post("/backward", response_model=SessionState, responses=errors(409))
async def run_backward(session: SessionDep, sample: SampleQuery = 0):
    """Backward pass: dA, dZ, dW, db of every layer (409 before a forward)."""
    return await run_sized(step_work(session.trainer), phase, session, sample, session.trainer.backward)


@router.post("/step", response_model=SessionState, responses=errors(409))
async def run_step(session: SessionDep, sample: SampleQuery = 0):
    """One optimiser update of every W and b (409 without gradients for the current parameters)."""
    return await run_sized(step_work(session.trainer), phase, session, sample, session.trainer.step)


@router.post("/train", response_model=TrainState)
async def run_train(session: SessionDep, body: TrainRequest, request: Request, sample: SampleQuery = 0):
    """`steps` full iterations (forward, backward, step on successive batches), with each loss.

    Stops early if the loss stops being finite, or after the server's time limit per request;
    `steps_run` and `stopped` say so."""
    limit = request.app.state.settings.train_seconds
    return await run_sized(step_work(session.trainer, body.steps), train_steps, session, body.steps, limit, sample)


def train_steps(session, steps, limit, sample):
    """Train `steps` iterations within `limit` seconds; the state with each loss and why it stopped."""
    check_sample(session, sample)
    losses = session.trainer.train(steps, deadline=time.monotonic() + limit)
    stopped = None
    if session.trainer.diverged:
        stopped = "diverged"
    elif len(losses) < steps:
        stopped = f"time limit of {limit:g} s per request"
    return state_response(session, sample, losses=[l if math.isfinite(l) else None for l in losses],
                          steps_run=len(losses), stopped=stopped)

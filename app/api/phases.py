"""The phases of a training step, one request each, and training many steps at once."""
import math
import time

from fastapi import APIRouter, Request

from ..responses import SessionState, TrainState, errors
from ..schemas import TrainRequest
from .deps import SampleQuery, SessionDep
from .sessions import check_sample, state_response

router = APIRouter(prefix="/api/sessions/{session_id}", tags=["phases"], responses=errors(404, 413, 422))


@router.post("/forward", response_model=SessionState)
def run_forward(session: SessionDep, sample: SampleQuery = 0):
    """Forward pass on the next batch: every layer's Z and A, and the loss."""
    check_sample(session, sample)
    session.trainer.forward()
    return state_response(session, sample)


@router.post("/backward", response_model=SessionState, responses=errors(409))
def run_backward(session: SessionDep, sample: SampleQuery = 0):
    """Backward pass: dA, dZ, dW, db of every layer (409 before a forward)."""
    check_sample(session, sample)
    session.trainer.backward()
    return state_response(session, sample)


@router.post("/step", response_model=SessionState, responses=errors(409))
def run_step(session: SessionDep, sample: SampleQuery = 0):
    """One optimiser update of every W and b (409 without gradients for the current parameters)."""
    check_sample(session, sample)
    session.trainer.step()
    return state_response(session, sample)


@router.post("/train", response_model=TrainState)
def run_train(session: SessionDep, body: TrainRequest, request: Request, sample: SampleQuery = 0):
    """`steps` full iterations (forward, backward, step on successive batches), with each loss.

    Stops early if the loss stops being finite, or after the server's time limit per request;
    `steps_run` and `stopped` say so."""
    check_sample(session, sample)
    limit = request.app.state.settings.train_seconds
    losses = session.trainer.train(body.steps, deadline=time.monotonic() + limit)
    stopped = None
    if session.trainer.diverged:
        stopped = "diverged"
    elif len(losses) < body.steps:
        stopped = f"time limit of {limit:g} s per request"
    return state_response(session, sample, losses=[l if math.isfinite(l) else None for l in losses],
                          steps_run=len(losses), stopped=stopped)

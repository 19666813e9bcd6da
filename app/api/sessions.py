"""Creating, reading, resetting and deleting sessions."""
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ..responses import SessionState, errors
from ..schemas import SessionConfig
from ..sessions import ConfigError, Session, build_trainer
from ..state import session_state
from .deps import SampleQuery, SessionDep, StoreDep

router = APIRouter(prefix="/api/sessions", tags=["sessions"], responses=errors(413, 422))


def check_sample(session, sample):
    """A sample index past the data is a 422 naming `sample`; routes that change the session
    check it first, so that a refused request has changed nothing."""
    if sample >= len(session.trainer.X):
        raise ConfigError("sample", f"sample must be below {len(session.trainer.X)}, "
                                    f"the number of points, got {sample}", location="query")


def state_response(session, sample, status_code=200, **extra):
    """The session's state as JSON (422 for a sample index past the data)."""
    check_sample(session, sample)
    state = session_state(session, sample)
    state.update(extra)
    return JSONResponse(state, status_code=status_code)


@router.post("", status_code=201, response_model=SessionState, responses={
    201: {"headers": {"Location": {"description": "the new session's URL", "schema": {"type": "string"}}}}})
def create_session(store: StoreDep, config: SessionConfig | None = None, sample: SampleQuery = 0):
    """Build a network from `config` (every field has a default) and hold it for this learner."""
    config = config or SessionConfig()
    trainer, normalised = build_trainer(config)
    session = store.add(Session(store.new_id(), trainer, normalised))
    response = state_response(session, min(sample, len(trainer.X) - 1), status_code=201)
    response.headers["Location"] = f"/api/sessions/{session.id}"
    return response


@router.get("/{session_id}", response_model=SessionState, responses=errors(404))
def get_session(session: SessionDep, sample: SampleQuery = 0):
    """The session's state."""
    return state_response(session, sample)


@router.delete("/{session_id}", status_code=204, responses=errors(404))
def delete_session(session_id: str, store: StoreDep):
    """Forget the session."""
    store.delete(session_id)
    return Response(status_code=204)


@router.post("/{session_id}/reset", response_model=SessionState, responses=errors(404))
def reset_session(session: SessionDep, sample: SampleQuery = 0):
    """Back to the starting parameters, step 0, a fresh optimiser."""
    check_sample(session, sample)
    session.trainer.reset()
    return state_response(session, sample)

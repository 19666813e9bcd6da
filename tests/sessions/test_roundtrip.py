"""What a store saves loads back equal, for every kind of session in every phase: the Redis
store's codec in this process, and the Redis store itself across two stores (as two processes)."""
import asyncio

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from app.api.state import session_state
from app.api.jsonbody import dumps
from app.engine import PhaseError
from app.sessions.config import SessionConfig
from app.sessions.redis.codec import meta, pack, rebuild, split_state
from app.sessions.session import Session, build_trainer
from app.sessions.turns import Turns

from ..configurations import ACTIONS, configurations


def act(trainer, action):
    """A learner's action; one the phase does not allow is skipped (the API answers it 409)."""
    try:
        trainer.train(3) if action == "train" else getattr(trainer, action)()
    except PhaseError:
        pass


def shown(session):
    """Everything the page is shown of the session, as its reply's bytes (the id aside)."""
    session.trainer.network.replay()
    return dumps({**session_state(session, 0), "id": None})


def same_state(a, b):
    assert a.keys() == b.keys()
    for name, value in a.items():
        if isinstance(value, np.ndarray):
            assert value.dtype == b[name].dtype and np.array_equal(value, b[name], equal_nan=value.dtype.kind == "f"), name
        else:
            assert value == b[name] or (value != value and b[name] != b[name]), name


def made(config, actions):
    spec = SessionConfig.model_validate(config)
    session = Session("s", *build_trainer(spec), spec)
    for action in actions:
        act(session.trainer, action)
    return session


@settings(max_examples=80, deadline=None)
@given(configurations(), ACTIONS)
def test_a_saved_session_loads_back_equal_and_carries_on_alike(config, actions):
    session = made(config, actions)
    state, parts = split_state(session)
    back = rebuild("s", pack(state), [pack(entries) for entries in parts.values()], *meta(session), Turns())
    same_state(back.trainer.state_dict(), session.trainer.state_dict())
    assert shown(back) == shown(session)
    for action in ("forward", "backward", "step", "train"):        # the same steps from there
        act(session.trainer, action)
        act(back.trainer, action)
        assert shown(back) == shown(session), action


def test_past_states_not_changed_since_a_save_are_not_written_again():
    # a save writes the past states (hundreds of arrays) only when they changed: a phase that
    # takes no past state hands the store the very part it saved before
    session = made({"layers": [2, 4, 1], "dataset": {"name": "xor"}}, ["train"] * 30)
    before = split_state(session)[1]["past"]
    session.trainer.forward()
    assert split_state(session)[1]["past"] is before
    session.trainer.backward()
    session.trainer.step()
    while session.trainer.steps % session.trainer.past.stride:     # up to a step on the stride, which keeps a state
        session.trainer.train(1)
    after = split_state(session)[1]["past"]
    assert after is not before and after["past.steps"][-1] == session.trainer.steps
    state = session.trainer.state_dict()
    assert {name: value for name, value in state.items() if name.startswith("past.")}.keys() == after.keys()


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=configurations(), actions=ACTIONS)
def test_what_one_redis_store_saves_another_loads_equal(redis, config, actions):
    """Two RedisStores on one Redis are two processes: what one saved after each action, the
    other loads and shows alike, diverged sessions and own points with test points included."""
    from app.sessions.compute import Scheduler
    from app.sessions.redis.store import RedisStore
    from app.sessions.store import new_id
    from app.settings import Settings

    async def scenario():
        one, other = (RedisStore(Settings(redis_url=redis.url, creates_per_minute=0), Scheduler()) for _ in range(2))
        spec = SessionConfig.model_validate(config)
        session = Session(new_id(), *build_trainer(spec), spec)
        await one.create(session)
        for action in [*actions, "forward"]:
            async with one.hold(session.id) as mine:
                act(mine.trainer, action)
                await one.save(mine)
            async with other.hold(session.id) as theirs:
                assert shown(theirs) == shown(mine), action
        await one.delete(session.id)

    asyncio.run(scenario())

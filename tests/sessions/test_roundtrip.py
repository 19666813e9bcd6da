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
from app.sessions.redis.codec import meta, pack, past_fields, rebuild, split_state
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


def fields_of(session, form="fields"):
    """The hash Redis holds of a session: as a save writes it (each past state a field of its
    own), as a store before wrote it ("all past": every past state inside `past`), or as a create
    writes it ("created": everything inside `state`)."""
    state, history = split_state(session)
    config, spec = meta(session)
    past = session.trainer.past
    if form == "created":
        return {"state": pack({**state, **history, **past.state()}), "config": config, "spec": spec}
    if form == "all past":
        return {"state": pack(state), "history": pack(history), "past": pack(past.state()), "config": config, "spec": spec}
    return {"state": pack(state), "history": pack(history), "past": pack(past.index()), "config": config, "spec": spec,
            **{field: pack(dict(zip(names, values))) for field, (names, values) in past_fields(past).items()}}


@settings(max_examples=80, deadline=None)
@given(configurations(), ACTIONS)
def test_a_saved_session_loads_back_equal_and_carries_on_alike(config, actions):
    session = made(config, actions)
    back = rebuild("s", fields_of(session), Turns())
    same_state(back.trainer.state_dict(), session.trainer.state_dict())
    assert shown(back) == shown(session)
    for action in ("forward", "backward", "step", "train"):        # the same steps from there
        act(session.trainer, action)
        act(back.trainer, action)
        assert shown(back) == shown(session), action


@pytest.mark.parametrize("form", ["created", "all past"])
def test_a_session_as_a_create_or_an_older_store_wrote_it_loads_back_equal(form):
    session = made({"layers": [2, 4, 1], "dataset": {"name": "xor"}, "optimizer": {"name": "adam"}},
                   ["train"] * 40 + ["forward"])
    back = rebuild("s", fields_of(session, form), Turns())
    same_state(back.trainer.state_dict(), session.trainer.state_dict())
    assert shown(back) == shown(session)


def test_a_past_state_is_a_new_field_only_once():
    # each past state is written when it first shows (its `values` object new to the store),
    # and its field goes when the past states let it go (the stride doubles)
    session = made({"layers": [2, 4, 1], "dataset": {"name": "xor"}}, ["train"] * 30)
    trainer = session.trainer
    before = past_fields(trainer.past)
    trainer.forward()
    trainer.backward()
    assert past_fields(trainer.past).keys() == before.keys()
    assert all(past_fields(trainer.past)[field][1] is values for field, (_, values) in before.items())
    stride = trainer.past.stride
    while trainer.past.stride == stride:            # up to the stride doubling, which lets every second go
        trainer.train(1)
    after = past_fields(trainer.past)
    new = [field for field in after if field not in before]
    gone = [field for field in before if field not in after]
    assert new[-1] == f"past@{trainer.steps}" and gone
    assert all(int(field[len("past@"):]) > max(trainer.past.steps()[:-len(new)]) for field in new)
    assert all(after[field][1] is before[field][1] for field in after if field in before)


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

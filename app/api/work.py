"""Running a request's work on the compute thread, and the session's state as its reply."""
import inspect

from ..engine import PhaseError
from .jsonbody import JSONBytes, dumps
from .state import session_state


async def compute(request, session, kind, fn, *args, status_code=200, headers=None):
    """fn(job, *args) on the compute thread for `session`, as a JSON reply.

    Before: room for what the session may grow to (503 if there is none). The work first brings
    back the session's cached values if the store let them go (bit for bit), and after it the
    store counts what the session holds, then saves what the work changed before the reply says
    it happened. `kind` names the work for its measured cost."""
    store = request.app.state.store
    store.reserve(session)

    def work(job):
        try:
            session.trainer.network.replay()
            result = fn(job, *args)
            if inspect.isgenerator(result):
                result = yield from result
            return result
        finally:
            store.recount(session)

    body = await request.app.state.scheduler.run(work, costs=session.costs, kind=kind)
    await store.save(session)
    return JSONBytes(body, status_code=status_code, headers=headers)


def state_body(session, sample, **extra):
    """The session's state as JSON bytes, for dataset sample `sample` (checked by deps.sample_of)."""
    state = session_state(session, sample)
    state.update(extra)
    return dumps(state)


def within(job, steps, limit, step):
    """Run a replay (a generator of steps, see Trainer.replayed) on the compute thread, pausing
    as it does; PhaseError once it has used `limit` s of compute (MANUALGRAD_TRAIN_SECONDS)."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
        if job.spent > limit:
            raise PhaseError(f"step {step} is too far from the nearest kept state: replaying the updates "
                             f"to it takes more than the {limit:g} s of compute a request may use")
        yield

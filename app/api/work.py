"""Running a request's work on the compute thread, and the session's state as its reply."""
import inspect
import time

from ..engine import PhaseError
from ..classes.notes import note
from .classroom import progress_of
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
    timing = {}
    in_class = await request.app.state.classes.member(session.id) is not None
    progress = []

    def work(job):
        try:
            session.trainer.network.replay()
            result = fn(job, *args)
            if inspect.isgenerator(result):
                result = yield from result
            if in_class:                       # for the teacher's view, read where the session is held
                progress.append(progress_of(session.trainer))
            return result
        finally:
            store.recount(session)

    body = await request.app.state.scheduler.run(work, costs=session.costs, kind=kind, timing=timing,
                                                 bulk=time.monotonic() < session.playing_until)
    back = time.perf_counter()
    await store.save(session)
    if progress:
        note(request, session.id, progress=progress[0])
    stages = server_timing(request, timing, back, time.perf_counter())
    return JSONBytes(body, status_code=status_code, headers={**(headers or {}), "Server-Timing": stages})


def server_timing(request, job, back, saved):
    """Where a request's time went, as a Server-Timing header (ms): `arrive`, from reaching the
    app to its work handed to the compute thread (routing, the body, the session's turn, the
    store's lease); `queue`, waiting for the compute thread (before and between its slices);
    `compute`, its own; `back`, from the work's end to the event loop taking it up; `save`,
    the store's save."""
    arrived = request.scope.get("state", {}).get("arrived", job["submitted"])
    stages = {"arrive": job["submitted"] - arrived, "queue": job["finished"] - job["submitted"] - job["compute"],
              "compute": job["compute"], "back": back - job["finished"], "save": saved - back}
    return ", ".join(f"{name};dur={seconds * 1e3:.2f}" for name, seconds in stages.items())


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

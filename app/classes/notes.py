"""What a class's teacher sees of its learners' requests: their progress, a refusal they met, a
prediction they made go to the class store in the background (a click never waits for the
teacher's view)."""
import asyncio
import logging

from .model import error_entry

log = logging.getLogger("manualgrad")
BACKGROUND = set()          # the tasks in flight (asyncio keeps only weak references to them)


def in_background(coroutine):
    """Run `coroutine` after the reply, logging (not raising) what goes wrong."""
    async def quietly():
        try:
            await coroutine
        except Exception as e:          # noqa: BLE001 - the teacher's view may lag; the learner is answered
            log.warning("could not note a learner's request for their class: %s", e)
    task = asyncio.get_running_loop().create_task(quietly())
    BACKGROUND.add(task)
    task.add_done_callback(BACKGROUND.discard)


def note(request, session_id, **what):
    """progress=, error= or prediction= of a learner's request, for their class (if any)."""
    in_background(request.app.state.classes.record(session_id, **what))


def note_refusal(request, status, detail):
    """A 4xx a learner met on their session, for their class's view (e.g. Backward before Forward)."""
    session_id = (request.scope.get("path_params") or {}).get("session_id")
    if session_id and hasattr(request.app.state, "classes"):
        note(request, session_id, error=error_entry(status, detail))

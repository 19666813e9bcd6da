"""A session in a class: its progress as the teacher's view shows it, and the pause a teacher
puts on the class (its sessions' phases, step and train refused with 423)."""
from fastapi import Request

from ..classes.model import ClassPaused


def progress_of(trainer):
    """A learner's progress (read on the compute thread, where the session is held)."""
    loss = trainer.network.loss_value
    finite = loss is not None and abs(loss) != float("inf") and loss == loss
    return {"step": trainer.steps, "loss": loss if finite else None, "phase": trainer.network.phase.value,
            "accuracy": trainer.accuracy()}


async def not_paused(request: Request, session_id: str):
    """423 while the teacher has paused this session's class."""
    if await request.app.state.classes.paused(session_id):
        raise ClassPaused("paused by the teacher: wait for them to resume the class")

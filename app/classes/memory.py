"""Classes in this process's memory (the default): gone when the process ends, never on disk."""
import time

from .model import (LISTS, ClassFull, ClassNotFound, Classroom, Learner, distinct, key_digest,
                    new_code, new_key)


class MemoryClasses:
    """Every class by its code, and which class and name each member session has. A class not
    used for `hours` is gone (its roster, progress and answers with it)."""

    def __init__(self, hours, size):
        self.seconds, self.size = hours * 3600, size
        self.classes = {}          # code -> Classroom
        self.members = {}          # session id -> (code, name)

    def live(self, code, touch=True):
        """The class `code`, if it is still there (ClassNotFound otherwise)."""
        now = time.time()
        for old in [c for c, room in self.classes.items() if now - room.used > self.seconds]:
            self.drop(old)
        room = self.classes.get(code)
        if room is None:
            raise ClassNotFound(code)
        if touch:
            room.used = now
        return room

    def drop(self, code):
        room = self.classes.pop(code, None)
        for learner in (room.learners.values() if room else ()):
            self.members.pop(learner.session, None)

    def expires_at(self, room):
        return room.used + self.seconds

    async def create(self, title, lesson):
        """A new class: (its code, the teacher's key, when it expires unless used)."""
        code = new_code()
        while code in self.classes:
            code = new_code()
        key = new_key()
        room = self.classes[code] = Classroom(code, key_digest(key), title, lesson)
        return code, key, self.expires_at(room)

    async def get(self, code, learners=True):
        """The class (ClassNotFound if it is gone); `learners` is for the Redis store's sake."""
        room = self.live(code)
        room.size = len(room.learners)
        return room

    async def join(self, code, name, session_id):
        """Add a learner by `name` (made distinct) with their new session; the name used."""
        room = self.live(code)
        if len(room.learners) >= self.size:
            raise ClassFull(f"the class has {self.size} learners, as many as this server allows")
        name = distinct(name, room.learners)
        room.learners[name] = Learner(name, session_id)
        self.members[session_id] = (code, name)
        return name

    async def member(self, session_id):
        """(code, name) of the class this session is in, or None."""
        code, name = self.members.get(session_id, (None, None))
        return (code, name) if self.learner(session_id) is not None else None

    def learner(self, session_id):
        """The class learner whose session this is, or None (its class gone, or never one)."""
        code, name = self.members.get(session_id, (None, None))
        try:
            return self.live(code).learners.get(name) if code else None
        except ClassNotFound:
            return None

    async def paused(self, session_id):
        code, _ = self.members.get(session_id, (None, None))
        try:
            return bool(code) and self.live(code, touch=False).paused
        except ClassNotFound:
            return False

    async def record(self, session_id, progress=None, error=None, prediction=None, derivation=None):
        """What a learner's request did: their progress, a refusal they met, a prediction made, a
        formula written."""
        learner = self.learner(session_id)
        if learner is None:
            return
        learner.seen = time.time()
        if progress is not None:
            learner.progress = progress
        for (kind, most), entry in zip(LISTS, (error, prediction, derivation)):
            if entry is not None:
                kept = getattr(learner, kind)
                kept.append(entry)
                del kept[:-most]

    async def moved(self, old, new, progress):
        """A learner's session replaced by a new one (a rebuild, a lesson opened): the learner
        keeps their place, with the new session's progress."""
        learner = self.learner(old)
        member = self.members.pop(old, None)
        if learner is None:
            return
        self.members[new] = member
        learner.session, learner.progress, learner.seen = new, progress, time.time()

    async def set_lesson(self, code, lesson):
        room = self.live(code)
        room.lesson, room.lesson_version = lesson, room.lesson_version + 1
        return room.lesson_version

    async def set_paused(self, code, paused):
        self.live(code).paused = paused

    async def remove(self, code, name):
        """Take a learner out of the class; their session carries on outside it."""
        learner = self.live(code).learners.pop(name, None)
        if learner is None:
            raise ClassNotFound(name)
        self.members.pop(learner.session, None)

    async def end(self, code):
        self.live(code)
        self.drop(code)

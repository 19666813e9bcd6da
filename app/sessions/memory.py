"""In-memory sessions: bounded in number and in bytes, with an idle timeout and unguessable ids.

Room for a new session, or for a session about to grow (a forward makes its cached values), is
made in this order: sessions idle past the idle timeout go; then the least recently used of
those not used within the protection window; then the cached values of sessions in use are let
go (they are computed again, exactly, when next needed). If that is not enough, StoreFull: the
caller answers 503 with Retry-After, and no learner of the class loses anything.
"""
import contextlib
import threading
import time
from collections import OrderedDict

from ..engine import held_bytes
from .store import SessionNotFound, StoreFull


class MemoryStore:
    """The Store (sessions/store.py) in this process's memory: at most `max_sessions` sessions
    holding at most `memory_bytes` together."""

    def __init__(self, max_sessions=1000, idle_seconds=3600.0, protect_seconds=900.0,
                 memory_bytes=1024 * 2**20, clock=time.monotonic):
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.protect_seconds = min(protect_seconds, idle_seconds)
        self.memory_bytes = memory_bytes
        self.clock = clock
        self._sessions = OrderedDict()   # least recently used first
        self._lock = threading.Lock()
        self.held = 0                    # bytes all sessions hold, as last counted
        self.evicted = 0
        self.dropped_caches = 0

    def add(self, session, replaces=None):
        """Hold a new session, making room for what it can grow to; StoreFull if there is none.
        The session `replaces` names (the caller's previous one) goes first. Whether it did."""
        with self._lock:
            old = self._sessions.pop(replaces, None) if replaces else None
            if old is not None:
                self.held -= old.held_bytes
            try:
                self._drop_idle()
                while len(self._sessions) >= self.max_sessions:
                    if not self._evict_one():
                        raise StoreFull(
                            f"the class is full: this server holds {self.max_sessions} sessions, all "
                            f"used in the last {self.protect_seconds / 60:g} minutes, and none is taken "
                            f"from a learner who is still working; try again in a few minutes, or ask "
                            f"your teacher", self._protected_until())
                self._make_room(session.peak_bytes, keep=None)
            except StoreFull:
                if old is not None:          # no room for the new one: the learner keeps the old
                    self.held += old.held_bytes
                    self._sessions[replaces] = old
                raise
            if old is not None:
                old.closed = True
            session.last_used = self.clock()
            session.held_bytes = held_bytes(session.trainer)
            self.held += session.held_bytes
            self._sessions[session.id] = session
        return old is not None

    def get(self, session_id):
        """The session, marked as just used; SessionNotFound if unknown, expired or evicted."""
        with self._lock:
            self._drop_idle()
            session = self._sessions.get(session_id)
            if session is None:
                raise SessionNotFound(session_id)
            session.last_used = self.clock()
            self._sessions.move_to_end(session_id)
            return session

    def remove(self, session_id):
        with self._lock:
            session = self._sessions.pop(session_id, None)
            if session is not None:
                self.held -= session.held_bytes
        if session is None:
            raise SessionNotFound(session_id)
        session.closed = True

    def reserve(self, session):
        """Before work on `session`: room for it to grow to its largest, counted as held until
        recount() after the work; StoreFull if there is none."""
        with self._lock:
            extra = session.peak_bytes - session.held_bytes
            self._make_room(extra, keep=session)
            if session.id in self._sessions:
                self.held += extra
            session.held_bytes = session.peak_bytes

    def recount(self, session):
        """After work on `session`: what it holds now."""
        with self._lock:
            now = held_bytes(session.trainer)
            if session.id in self._sessions:
                self.held += now - session.held_bytes
            session.held_bytes = now

    def __len__(self):
        return len(self._sessions)

    # -- the Store interface (sessions/store.py) -------------------------------------------------

    @contextlib.asynccontextmanager
    async def hold(self, session_id, cancel=False):
        session = self.get(session_id)
        if cancel:
            session.turns.cancel_below = session.turns.issued + 1
        async with take_turn(session) as session:
            yield session

    async def create(self, session, replaces=None):
        return self.add(session, replaces)

    async def exists(self, session_id):
        with self._lock:
            self._drop_idle()
            return session_id in self._sessions

    async def save(self, session):
        """Nothing to write: the session is here."""

    async def delete(self, session_id):
        self.remove(session_id)

    async def count(self):
        return len(self)

    async def trouble(self):
        """Memory never fails to answer."""
        return None

    def _make_room(self, extra, keep):
        if self.held + extra <= self.memory_bytes:
            return
        self._drop_idle()
        # first the past states other sessions keep to look back at, then whole sessions
        for other in list(self._sessions.values()):   # least recently used first
            if self.held + extra <= self.memory_bytes:
                return
            if other is keep or not other.turns.try_acquire():
                continue
            try:
                if other.trainer.past.shrink():
                    before, other.held_bytes = other.held_bytes, held_bytes(other.trainer)
                    self.held += other.held_bytes - before
            finally:
                other.turns.release()
        while self.held + extra > self.memory_bytes and self._evict_one():
            pass
        for other in list(self._sessions.values()):   # least recently used first
            if self.held + extra <= self.memory_bytes:
                return
            if other is keep or not other.turns.try_acquire():   # busy: its work needs them
                continue
            try:
                other.trainer.drop_cache()
                before, other.held_bytes = other.held_bytes, held_bytes(other.trainer)
                self.held += other.held_bytes - before
                self.dropped_caches += 1
            finally:
                other.turns.release()
        if self.held + extra > self.memory_bytes:
            raise StoreFull(
                f"the server's memory for sessions is full ({self.memory_bytes / 2**20:.0f} MB, "
                f"MANUALGRAD_SESSION_MEMORY_MB), all of it held by sessions in use; try again in "
                f"a few minutes, or ask your teacher", self._protected_until())

    def _evict_one(self):
        """Drop the least recently used session if it is outside the protection window."""
        if not self._sessions:
            return False
        oldest = next(iter(self._sessions.values()))
        if oldest.last_used > self.clock() - self.protect_seconds:
            return False
        self._remove_oldest()
        self.evicted += 1
        return True

    def _protected_until(self):
        """Seconds until the least recently used session leaves the protection window."""
        if not self._sessions:
            return 1
        oldest = next(iter(self._sessions.values()))
        return oldest.last_used + self.protect_seconds - self.clock()

    def _remove_oldest(self):
        _, oldest = self._sessions.popitem(last=False)
        self.held -= oldest.held_bytes
        oldest.closed = True

    def _drop_idle(self):
        cutoff = self.clock() - self.idle_seconds
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if oldest.last_used >= cutoff:
                break
            self._remove_oldest()


@contextlib.asynccontextmanager
async def take_turn(session):
    """Wait for the session's turn (requests on one session run one at a time, in order)."""
    session.ticket = ticket = await session.turns.acquire()
    try:
        if session.closed:          # deleted or evicted while this request waited
            raise SessionNotFound(session.id)
        yield session
    finally:
        if session.ticket == ticket:
            session.ticket = 0
        session.turns.release()

"""In-memory sessions: a bounded LRU map with an idle timeout and unguessable ids."""
import secrets
import threading
import time
from collections import OrderedDict


class SessionNotFound(LookupError):
    pass


class SessionStore:
    """At most `max_sessions` sessions; those idle past `idle_seconds` are dropped, and when full
    the least recently used one makes room for a new learner."""

    def __init__(self, max_sessions=1000, idle_seconds=3600.0, clock=time.monotonic):
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._sessions = OrderedDict()   # least recently used first
        self._lock = threading.Lock()
        self.evicted = 0

    @staticmethod
    def new_id():
        return secrets.token_urlsafe(16)  # 128 random bits

    def add(self, session):
        with self._lock:
            self._drop_idle()
            while len(self._sessions) >= self.max_sessions:
                _, oldest = self._sessions.popitem(last=False)
                oldest.closed = True
                self.evicted += 1
            session.last_used = self.clock()
            self._sessions[session.id] = session
        return session

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

    def delete(self, session_id):
        with self._lock:
            session = self._sessions.pop(session_id, None)
        if session is None:
            raise SessionNotFound(session_id)
        session.closed = True

    def __len__(self):
        return len(self._sessions)

    def _drop_idle(self):
        cutoff = self.clock() - self.idle_seconds
        while self._sessions:
            oldest = next(iter(self._sessions.values()))
            if oldest.last_used >= cutoff:
                break
            self._sessions.popitem(last=False)
            oldest.closed = True

"""Sessions in Redis (MANUALGRAD_REDIS_URL): several processes and machines serve one class, and
a restart loses nothing.

Each session is one Redis hash (scripts.py names the keys): its state, its histories, its past
states (each in a field of its own, written once), what it was built from, and a version that
grows with every save. A request on a session:

1. waits for its turn among this process's requests on it (sessions/turns.py);
2. takes the session's lease (lease.py) in one round trip, which brings the session's fields
   only when their version moved past the one this process has in memory: the trainer is then
   rebuilt from them on the compute thread, bit for bit (Network.replay brings back what a
   phase computed), so forward on one process and backward on another give what one gives;
3. works on the compute thread, which never talks to Redis: a Redis that hangs holds only the
   requests waiting for it, never another learner's work;
4. saves what it changed and releases the lease in one round trip (SAVE, fenced by the lease's
   token), before its reply says it happened; a request that changed nothing releases it.

Work that lasts longer than WATCH_SECONDS renews its lease and watches for a reset or a delete
from any process. The class's limits hold across processes (the scripts count sessions, bytes,
last use and creates in Redis); keys expire after the idle time. Run Redis with
`maxmemory-policy noeviction` and appendonly persistence (docs/deployment.md).
"""
import asyncio
import contextlib
import weakref
from collections import OrderedDict

from ...engine import held_bytes
from ..store import SessionNotFound, StoreFull, StoreUnavailable
from ..turns import Turns
from .codec import PAST, meta, pack, past_fields, rebuild, same_arrays, split_state
from .connection import Connection
from .lease import WATCH_SECONDS, acquire, release, watch

LOCAL_SESSIONS = 500       # trainers a process keeps in memory between requests
TAKEN_OVER = ("another server took this session over while this one worked on it (it was too slow "
              "to renew its lease); try again")


class Local:
    """A session this process has in memory, and what Redis holds of it: the `version` the
    trainer is at, the trainer's revision when last saved, the histories as last written (the
    very arrays: same_arrays), the past states' version and each past state's `values` as last
    written, and the bytes of each field."""

    def __init__(self, session, version, field_bytes):
        self.session, self.version = session, version
        self.saved_revision = session.trainer.revision
        self.history = None                # the histories as last written (None: not in a field of their own)
        self.past_version = None           # the past states' version as last written (None: not yet)
        self.past_values = {}              # past@<step> -> the values of the past state written there
        self.field_bytes = field_bytes     # field -> its bytes in Redis
        self.lease = None                  # the lease of the request at work on it


class RedisStore:
    """The Store (sessions/store.py) on Redis."""

    def __init__(self, settings, scheduler):
        self.connection = Connection(settings.redis_url)
        self.scheduler = scheduler
        self.max_sessions = settings.max_sessions
        self.memory_bytes = int(settings.session_memory_mb * 2**20)
        self.idle_ms = int(settings.idle_seconds * 1000)
        self.protect_ms = int(settings.protect_seconds * 1000)
        self._turns = weakref.WeakValueDictionary()     # session id -> this process's queue for it
        self._local = OrderedDict()                     # session id -> Local, least recently used first
        self.local_bytes = 0
        self.evicted = 0
        self._watchers = set()                          # running watchers (a reference keeps each alive)

    # -- the Store interface ------------------------------------------------------------------

    async def create(self, session, replaces=None):
        state, history = split_state(session)
        blob = pack({**state, **history, **session.trainer.past.state()})
        config, spec = meta(session)
        size = len(blob) + len(config) + len(spec)
        status, detail, *replaced = await self.connection.run(
            "admit", session.id, blob, config, spec, size, self.max_sessions, self.memory_bytes,
            self.protect_ms, self.idle_ms, replaces or "")
        if status == -1:
            raise StoreFull(f"the class is full: this server holds {self.max_sessions} sessions (or as "
                            f"many bytes as MANUALGRAD_SESSION_MEMORY_MB allows), all used in the last "
                            f"{self.protect_ms / 60000:g} minutes, and none is taken from a learner who is "
                            f"still working; try again in a few minutes, or ask your teacher", detail / 1000)
        if status == -2:
            raise StoreFull(f"a session of {size} bytes does not fit in MANUALGRAD_SESSION_MEMORY_MB", 60)
        self.evicted += detail
        if replaces:
            self.forget(replaces)
        self._turns[session.id] = session.turns
        self.keep(Local(session, 1, {"config": len(config), "spec": len(spec), "state": len(blob)}))
        return replaced == [1]

    async def exists(self, session_id):
        return bool(await self.connection.call("exists", f"mg:s:{session_id}"))

    @contextlib.asynccontextmanager
    async def hold(self, session_id, cancel=False):
        turns = self._turns.setdefault(session_id, Turns())
        if cancel:      # work of earlier requests stops: on other processes by `resets` (WATCH), here by tickets
            if await self.connection.run("reset", session_id) is None:
                raise SessionNotFound(session_id)
            turns.cancel_below = turns.issued + 1
        ticket = await turns.acquire()
        try:
            local = self._local.get(session_id)
            lease = await acquire(self.connection, session_id, self.idle_ms, local.version if local else 0)
            try:
                if lease.fields is not None:
                    local = await self.load(session_id, lease, turns)
                local.lease, session = lease, local.session
                session.ticket = ticket
                stop_watching = self.watch_later(session, lease, ticket)
                try:
                    yield session
                finally:
                    stop_watching()
                if session.closed:
                    raise SessionNotFound(session_id)
            finally:
                if not lease.ended and local is not None and local.session.trainer.revision != local.saved_revision:
                    self.forget(session_id)        # changed here (the work failed), not in Redis: load it again
                await release(self.connection, session_id, lease)
        finally:
            turns.release()

    async def save(self, session):
        """What the request changed, written and the lease released in one round trip (SAVE)."""
        local = self._local.get(session.id)
        if local is None or local.session is not session or local.lease is None or local.lease.ended:
            return
        if session.trainer.revision == local.saved_revision:
            return                         # a read: hold() releases the lease
        lease = local.lease
        if lease.lost:
            self.forget(session.id)
            raise StoreUnavailable(TAKEN_OVER, TAKEN_OVER)
        state, history = split_state(session)
        fields, field_bytes, gone = ["state", pack(state)], dict(local.field_bytes), []
        if not same_arrays(history, local.history):
            fields += ["history", pack(history)]
        past = session.trainer.past
        past_changed = past.version != local.past_version
        if past_changed:                   # its index, each past state not written yet, those let go
            fields += ["past", pack(past.index())]
            kept = past_fields(past)
            for field, (names, values) in kept.items():
                if local.past_values.get(field) is not values:
                    fields += [field, pack(dict(zip(names, values)))]
            gone = [field for field in local.past_values if field not in kept]
        for field in gone:
            del field_bytes[field]
        for field, blob in zip(fields[::2], fields[1::2]):
            field_bytes[field] = len(blob)
        lease.ended = True
        version = lease.version + 1
        try:
            status = await self.connection.run("save", session.id, lease.token, sum(field_bytes.values()), version,
                                               len(gone), *gone, *fields)
        except StoreUnavailable:
            self.forget(session.id)        # what it holds here may not be what Redis has
            raise
        if status == -2:
            self.forget(session.id)
            raise SessionNotFound(session.id)
        if status == 0:
            self.forget(session.id)
            raise StoreUnavailable(TAKEN_OVER, TAKEN_OVER)
        local.version, local.saved_revision, local.field_bytes = version, session.trainer.revision, field_bytes
        local.history = history
        if past_changed:
            local.past_version = past.version
            local.past_values = {field: values for field, (_, values) in kept.items()}

    async def delete(self, session_id):
        if not await self.connection.run("delete", session_id):
            raise SessionNotFound(session_id)
        local = self._local.get(session_id)
        if local is not None:
            local.session.closed = True    # work on it here stops; elsewhere the watchers see it gone
            self.forget(session_id)

    async def count(self):
        return int(await self.connection.run("count", self.idle_ms))

    async def trouble(self):
        return await self.connection.trouble()

    def reserve(self, session):
        """Before work: room in this process for the session at its largest."""
        extra = session.peak_bytes - session.held_bytes
        if not self.trim(extra, keep=session):
            raise StoreFull("this server's memory for sessions at work is full "
                            "(MANUALGRAD_SESSION_MEMORY_MB); try again in a moment", 1)
        self.local_bytes += extra
        session.held_bytes = session.peak_bytes

    def recount(self, session):
        now = held_bytes(session.trainer)
        local = self._local.get(session.id)
        if local is not None and local.session is session:
            self.local_bytes += now - session.held_bytes
        session.held_bytes = now

    # -- this process's trainers in memory ----------------------------------------------------

    async def load(self, session_id, lease, turns):
        """The session rebuilt from the fields its lease brought (on the compute thread)."""
        fields = {name: value for name, value in lease.fields.items() if name not in ("version", "resets")}
        session = await self.scheduler.run(lambda job: rebuild(session_id, fields, turns))
        self.forget(session_id)
        local = Local(session, lease.version, {name: len(value) for name, value in fields.items()})
        loaded = past_fields(session.trainer.past)      # what Redis has: written already (None: not kept)
        local.past_values = {name: loaded[name][1] if name in loaded else None for name in fields if name.startswith(PAST)}
        self.keep(local)
        return local

    def keep(self, local):
        session = local.session
        session.held_bytes = held_bytes(session.trainer)
        self._local[session.id] = local
        self.local_bytes += session.held_bytes
        self.trim()

    def forget(self, session_id):
        old = self._local.pop(session_id, None)
        if old is not None:
            self.local_bytes -= old.session.held_bytes

    def trim(self, extra=0, keep=None):
        """Drop the least recently used trainers not at work (Redis has their state) until what
        this process holds fits; False if it cannot."""
        def fits():
            return len(self._local) <= LOCAL_SESSIONS and self.local_bytes + extra <= self.memory_bytes
        if fits():                         # (before a copy of the list of hundreds, on every request)
            return True
        for local in list(self._local.values()):
            if fits():
                return True
            if local.session is not keep and not local.session.turns.locked():
                self.forget(local.session.id)
        return fits()

    def watch_later(self, session, lease, ticket):
        """A watcher for the request's work, started only if the work lasts WATCH_SECONDS (a click
        is over first); the function returned stops it."""
        stop = asyncio.Event()

        def start():
            task = asyncio.get_running_loop().create_task(watch(self.connection, session, lease, ticket, stop))
            self._watchers.add(task)
            task.add_done_callback(self._watchers.discard)
        later = asyncio.get_running_loop().call_later(WATCH_SECONDS, start)

        def stop_watching():
            later.cancel()
            stop.set()
        return stop_watching

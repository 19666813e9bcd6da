"""Sessions in Redis (MANUALGRAD_REDIS_URL): several processes and machines serve one class, and
a restart loses nothing.

Each session is one Redis hash, `mg:s:<id>`: its configuration, the config it was built from,
and its state (Trainer.state_dict packed as raw bytes), with a version that grows with every
change. A process keeps the trainers it used lately in memory and reloads one only when another
process has changed it since (the version says so); what a phase computed comes back from the
state bit for bit (Network.replay), so forward on one process and backward on another give what
one process gives.

One request at a time per session, across processes: a lease lock (`mg:lock:<id>`, renewed while
the work runs, so a killed process frees the session within LEASE_MS) whose token fences the
write: a process that lost its lease cannot overwrite newer state. Within a process, requests
wait their turn in arrival order first. A reset or delete on any process stops a train on
another within a poll (WATCH_SECONDS): a reset counts up `resets` in the hash, a delete removes
it.

A process keeps the lease after a request, for HOLD_MS: a learner's next click usually comes to
the same process (a keep-alive connection), and then needs one round trip to Redis, not two
(the save of a change, or for a read the check that the lease is still this process's and the
session still there). While a process holds the lease nobody else can change the session, so
what it has in memory is current. Another process that wants the session finds the lock taken
and asks the holder, on the pub/sub channel `mg:want`, to let go: a lease kept idle goes at
once, one at work at the work's end. Asks that go unheard (the listener reconnecting, or the
holder dead) only make the other wait until the kept lease runs out; the fencing token alone
keeps the writes safe.

The end of a request that changed the session (its SAVE) is sent by the compute thread, on a
connection of its own, as soon as the work is done and before the reply's body is built:
Redis writes it while the body is built; the same thread then reads Redis's answer and hands
both to the event loop at once (one wake-up of the loop, not two), and the reply goes out once
Redis has answered (saved()). The histories (losses, gradient norms,
test losses: up to ~70 KB in a long session) are a field of their own, `history`, written only
when they changed since this process last saved them: a forward or a backward leaves them as
they were. If Redis hangs, the compute thread waits for it up to the socket timeout (2 s).

The class's limits hold across processes: `mg:used` (a sorted set of last use) and `mg:bytes`
and `mg:total` (what each session and all of them hold in Redis) are kept by the scripts below,
which evict idle sessions, protect fresh ones and refuse a new one when none can make room. Keys
expire after the idle time, so Redis keeps nothing a learner left. Run Redis with
`maxmemory-policy noeviction` and appendonly persistence (README): Redis must never drop part of
a session by itself.
"""
import asyncio
import contextlib
import hashlib
import json
import secrets
import time
import weakref
from collections import OrderedDict
from typing import NamedTuple

import numpy as np
import orjson
import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as LostConnection, NoScriptError, RedisError

from ...engine import held_bytes
from ..config import PointsDataset, SessionConfig
from ...engine import ConfigError
from ..session import Session, build_trainer
from ..store import SessionNotFound, StoreFull
from ..turns import Turns

LEASE_MS = 3000            # a lock not renewed for this long is free again (a process died)
HOLD_MS = 2000             # a lease kept after a request, for this process's next one on the session
MARGIN = 0.3               # seconds before a kept lease's end that this process stops counting on it
RENEW_SECONDS = 1.0
WATCH_SECONDS = 0.25       # how often a running request looks for a reset or a delete (~0.5 s promised)
LOCAL_SESSIONS = 500       # trainers a process keeps in memory between requests
P = "mg:"                  # the prefix of every key
HISTORY = ("history.", "norms.", "testloss.")   # the state's histories: saved only when they change


class StoreUnavailable(RuntimeError):
    """Redis cannot be reached, or lost a request's lease: 503, try again shortly."""


# -- the state as bytes: a JSON header (names, dtypes, shapes; the plain numbers) and the arrays

def pack(state):
    header, chunks = {"arrays": [], "values": {}, "big": [], "nonfinite": []}, []
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            value = np.ascontiguousarray(value)
            header["arrays"].append([name, value.dtype.str, list(value.shape)])
            chunks.append(value.tobytes())
        elif isinstance(value, int) and not -2**63 <= value < 2**63:   # a generator state is 128 bits
            header["values"][name] = str(value)
            header["big"].append(name)
        elif isinstance(value, float) and not np.isfinite(value):      # a diverged loss
            header["values"][name] = str(value)
            header["nonfinite"].append(name)
        else:
            header["values"][name] = value
    head = orjson.dumps(header)
    return len(head).to_bytes(4, "little") + head + b"".join(chunks)


def unpack(blob):
    size = int.from_bytes(blob[:4], "little")
    header = json.loads(blob[4:4 + size])      # json: blobs from before kept 128-bit numbers as such
    state, offset = dict(header["values"]), 4 + size
    for name in header.get("big", ()):
        state[name] = int(state[name])
    for name in header.get("nonfinite", ()):
        state[name] = float(state[name])
    for name, dtype, shape in header["arrays"]:
        dtype = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        state[name] = np.frombuffer(blob, dtype, count, offset).reshape(shape).copy()
        offset += count * dtype.itemsize
    return state


# -- the scripts: each runs atomically in Redis; times come from Redis's own clock -------------

NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
FORGET = """
local function forget(id)
  redis.call('DEL', KEYS_PREFIX .. 's:' .. id)
  local size = tonumber(redis.call('HGET', KEYS_PREFIX .. 'bytes', id) or '0')
  redis.call('HDEL', KEYS_PREFIX .. 'bytes', id)
  redis.call('DECRBY', KEYS_PREFIX .. 'total', size)
  redis.call('ZREM', KEYS_PREFIX .. 'used', id)
end
local function drop_idle(now, idle_ms)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS_PREFIX .. 'used', '-inf', now - idle_ms)) do forget(id) end
end
"""

# ARGV: id, blob, config, spec, size, max_sessions, memory_bytes, protect_ms, idle_ms, replaces
ADMIT = NOW + FORGET + """
drop_idle(now, tonumber(ARGV[9]))
if ARGV[10] ~= '' and redis.call('EXISTS', KEYS_PREFIX .. 's:' .. ARGV[10]) == 1 then forget(ARGV[10]) end
local size, evicted = tonumber(ARGV[5]), 0
while redis.call('ZCARD', KEYS_PREFIX .. 'used') >= tonumber(ARGV[6])
      or tonumber(redis.call('GET', KEYS_PREFIX .. 'total') or '0') + size > tonumber(ARGV[7]) do
  local oldest = redis.call('ZRANGE', KEYS_PREFIX .. 'used', 0, 0, 'WITHSCORES')
  if #oldest == 0 then return {-2, 0} end
  if tonumber(oldest[2]) > now - tonumber(ARGV[8]) then
    return {-1, tonumber(oldest[2]) + tonumber(ARGV[8]) - now}
  end
  forget(oldest[1])
  evicted = evicted + 1
end
local key = KEYS_PREFIX .. 's:' .. ARGV[1]
redis.call('HSET', key, 'state', ARGV[2], 'config', ARGV[3], 'spec', ARGV[4], 'version', 1, 'resets', 0)
redis.call('PEXPIRE', key, ARGV[9])
redis.call('ZADD', KEYS_PREFIX .. 'used', now, ARGV[1])
redis.call('HSET', KEYS_PREFIX .. 'bytes', ARGV[1], size)
redis.call('INCRBY', KEYS_PREFIX .. 'total', size)
return {1, evicted}
"""

# ARGV: id, lease_ms, idle_ms, the token of this process's own lease if it has one ('' if not),
# the process's name -> {1, token, version, resets} taken, {0} busy (and the holder is asked to
# let go: "<id> <name>" on `want`), {-2} no such session
ACQUIRE = NOW + """
local key = KEYS_PREFIX .. 's:' .. ARGV[1]
if redis.call('EXISTS', key) == 0 then return {-2} end
local lock = KEYS_PREFIX .. 'lock:' .. ARGV[1]
local holder = redis.call('GET', lock)
local token
if holder and holder == ARGV[4] then
  token = holder                      -- this process's own lease, about to run out: kept on
elseif holder then
  redis.call('PUBLISH', KEYS_PREFIX .. 'want', ARGV[1] .. ' ' .. ARGV[5])
  return {0}
else
  token = redis.call('INCR', KEYS_PREFIX .. 'fence')
end
redis.call('SET', lock, token, 'PX', ARGV[2])
redis.call('ZADD', KEYS_PREFIX .. 'used', now, ARGV[1])
redis.call('PEXPIRE', key, ARGV[3])
local fields = redis.call('HMGET', key, 'version', 'resets')
return {1, token, tonumber(fields[1]), tonumber(fields[2])}
"""

# ARGV: id, token, lease_ms -> 1 renewed, 0 lost
RENEW = """
if redis.call('GET', KEYS_PREFIX .. 'lock:' .. ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('PEXPIRE', KEYS_PREFIX .. 'lock:' .. ARGV[1], ARGV[3])
return 1
"""

RELEASE = """
if redis.call('GET', KEYS_PREFIX .. 'lock:' .. ARGV[1]) == ARGV[2] then
  redis.call('DEL', KEYS_PREFIX .. 'lock:' .. ARGV[1])
end
return 1
"""

# the end of a request on its lease: 0 the lock is not the token's (the lease was lost), -2 the
# session is gone, 1 both are there (the session's last use touched); the lock is kept for
# hold_ms (this process's next request on the session) or, with 0, released
FENCED = """
local function fenced(id, token, hold_ms)
  local lock = KEYS_PREFIX .. 'lock:' .. id
  if redis.call('GET', lock) ~= token then return 0 end
  if tonumber(hold_ms) > 0 then redis.call('PEXPIRE', lock, hold_ms) else redis.call('DEL', lock) end
  if redis.call('EXISTS', KEYS_PREFIX .. 's:' .. id) == 0 then return -2 end
  redis.call('ZADD', KEYS_PREFIX .. 'used', now, id)
  return 1
end
"""

# ARGV: id, token, blob, size, idle_ms, hold_ms, the histories' blob ('' when they did not
# change since this process saved them) -> the new version, or fenced()'s 0 or -2: the end of a
# request that changed the session, in one round trip
SAVE = NOW + FENCED + """
local status = fenced(ARGV[1], ARGV[2], ARGV[6])
if status ~= 1 then return status end
local key = KEYS_PREFIX .. 's:' .. ARGV[1]
redis.call('HSET', key, 'state', ARGV[3])
if ARGV[7] ~= '' then redis.call('HSET', key, 'history', ARGV[7]) end
local version = redis.call('HINCRBY', key, 'version', 1)
local old = tonumber(redis.call('HGET', KEYS_PREFIX .. 'bytes', ARGV[1]) or '0')
redis.call('HSET', KEYS_PREFIX .. 'bytes', ARGV[1], ARGV[4])
redis.call('INCRBY', KEYS_PREFIX .. 'total', tonumber(ARGV[4]) - old)
redis.call('PEXPIRE', key, ARGV[5])
return version
"""

# ARGV: id, token, hold_ms, idle_ms -> fenced()'s 1, 0 or -2: the end of a request that read a
# session on a lease kept from the request before
CHECK = NOW + FENCED + """
local status = fenced(ARGV[1], ARGV[2], ARGV[3])
if status == 1 then redis.call('PEXPIRE', KEYS_PREFIX .. 's:' .. ARGV[1], ARGV[4]) end
return status
"""

# ARGV: id, the process's name -> 1 deleted, 0 no such session; a process holding its lease lets go
DELETE = FORGET + """
redis.call('PUBLISH', KEYS_PREFIX .. 'want', ARGV[1] .. ' ' .. ARGV[2])
if redis.call('EXISTS', KEYS_PREFIX .. 's:' .. ARGV[1]) == 0 then forget(ARGV[1]) return 0 end
forget(ARGV[1])
return 1
"""

# ARGV: id -> the reset count after this one, or nil
RESET = """
local key = KEYS_PREFIX .. 's:' .. ARGV[1]
if redis.call('EXISTS', key) == 0 then return false end
return redis.call('HINCRBY', key, 'resets', 1)
"""

# ARGV: idle_ms
COUNT = NOW + FORGET + """
drop_idle(now, tonumber(ARGV[1]))
return redis.call('ZCARD', KEYS_PREFIX .. 'used')
"""

# KEYS: none; ARGV: address, per_minute -> 0 admitted, else seconds to wait
RATE = NOW + """
local second = math.floor(now / 1000)
local total, oldest = 0, nil
for s = second - 59, second do
  local n = tonumber(redis.call('GET', KEYS_PREFIX .. 'rate:' .. ARGV[1] .. ':' .. s) or '0')
  if n > 0 and oldest == nil then oldest = s end
  total = total + n
end
if total >= tonumber(ARGV[2]) then return oldest + 60 - second end
redis.call('INCR', KEYS_PREFIX .. 'rate:' .. ARGV[1] .. ':' .. second)
redis.call('EXPIRE', KEYS_PREFIX .. 'rate:' .. ARGV[1] .. ':' .. second, 61)
return 0
"""


def script(body):
    return f"local KEYS_PREFIX = '{P}'\n" + body


SCRIPTS = {name: script(body) for name, body in (
    ("admit", ADMIT), ("acquire", ACQUIRE), ("renew", RENEW), ("release", RELEASE), ("save", SAVE),
    ("check", CHECK), ("delete", DELETE), ("reset", RESET), ("count", COUNT), ("rate", RATE))}
SHA = {name: hashlib.sha1(SCRIPTS[name].encode()).hexdigest() for name in ("save", "check")}   # for send_end


class Lease:
    """A process's hold on a session in Redis: taken for a request, and kept after it (for
    HOLD_MS) so that this process's next request on the session needs no round trip to take it.
    `expires`: a moment (time.monotonic) before Redis lets the lock go by itself."""

    def __init__(self, token, version, resets, expires):
        self.token, self.version, self.resets, self.expires = token, version, resets, expires
        self.lost = self.released = False
        self.kept = False          # this request runs on a lease kept from the one before
        self.checked = False       # Redis has said during this request that the lease is still ours


class End(NamedTuple):
    """The end of a request on its lease (RedisStore.end_of): `script` "save" or "check" with
    its arguments, for the trainer at `revision`, the lease then kept for `hold` ms; for a save
    that wrote the histories, their arrays and bytes."""
    script: str
    args: tuple
    revision: int
    hold: int
    history: dict | None = None
    history_bytes: int | None = None


class Written(NamedTuple):
    """Redis's answer to an End sent at `sent` (time.monotonic): the script's `reply`, or
    `error`, why Redis could not be reached."""
    end: End
    sent: float
    reply: int | None = None
    error: str | None = None


class Ending:
    """An End sent from the compute thread (RedisStore.send_end). take(), on that thread once the
    reply's body is built and before it is handed over, reads Redis's answer into `written`: the
    event loop then wakes once, for the reply and the answer together."""

    def __init__(self, answer=None, written=None):
        self.answer = answer                  # () -> Written, on the compute thread
        self.written = written

    def take(self):
        if self.answer is not None:
            self.written, self.answer = self.answer(), None


class RedisStore:
    """The session store on Redis; the same methods as the in-memory SessionStore."""

    def __init__(self, settings, scheduler):
        self.url = settings.redis_url
        self.settings = settings
        self.scheduler = scheduler
        self.max_sessions = settings.max_sessions
        self.memory_bytes = int(settings.session_memory_mb * 2**20)
        self.idle_ms = int(settings.idle_seconds * 1000)
        self.protect_ms = int(settings.protect_seconds * 1000)
        self._client, self._loop = None, None
        self._direct = None          # the compute thread's own connection (send_end)
        self._turns = weakref.WeakValueDictionary()     # session id -> this process's queue for it
        self._local = OrderedDict()                     # session id -> Session, least recently used first
        self.local_bytes = 0
        self.evicted = 0
        self._held = {}              # session id -> the Lease this process kept after its last request
        self._wanted = set()         # sessions at work here that another process asked for
        self._listening = False      # subscribed to the asks (`want`): only then are leases kept
        self._tasks = set()          # the listener and the releases it starts
        self.name = secrets.token_hex(6)     # this process's own asks are not for it to answer

    # -- Redis itself -----------------------------------------------------------------------

    def redis(self):
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:       # one client per event loop
            # a command on a connection Redis closed (it restarted) goes once more on a new one,
            # instead of a 503 for each connection the pool still had; a timeout (a Redis that
            # hangs) is not tried again
            once = Retry(NoBackoff(), 1, supported_errors=(LostConnection,))
            self._client = aioredis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2,
                                             health_check_interval=5, retry=once,
                                             retry_on_error=[LostConnection])
            self._scripts = {name: self._client.register_script(text) for name, text in SCRIPTS.items()}
            self._loop = loop
            self._held.clear()
            self._wanted.clear()
            self.background(self.listen())
        return self._client

    def background(self, coroutine):
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)                   # a reference, so that the task is not collected
        task.add_done_callback(self._tasks.discard)

    async def run(self, name, *args):
        client = self.redis()
        try:
            return await self._scripts[name](keys=[], args=list(args), client=client)
        except RedisError as e:
            raise StoreUnavailable(unreachable(self.url, e)) from None

    async def call(self, method, *args):
        client = self.redis()
        try:
            return await getattr(client, method)(*args)
        except RedisError as e:
            raise StoreUnavailable(unreachable(self.url, e)) from None

    async def trouble(self):
        try:
            await asyncio.wait_for(self.redis().ping(), 2)
        except (RedisError, OSError, asyncio.TimeoutError) as e:
            return unreachable(self.url, e)
        return None

    # -- the routes' methods --------------------------------------------------------------------

    @staticmethod
    def new_id():
        return secrets.token_urlsafe(16)  # 128 random bits

    async def create(self, session, replaces=None):
        blob = pack(self.state_of(session))
        config, spec = json.dumps(session.config), json.dumps(self.spec_of(session))
        size = len(blob) + len(config) + len(spec)
        status, detail = await self.run("admit", session.id, blob, config, spec, size, self.max_sessions,
                                        self.memory_bytes, self.protect_ms, self.idle_ms, replaces or "")
        if status == -1:
            raise StoreFull(f"the class is full: this server holds {self.max_sessions} sessions (or as "
                            f"many bytes as MANUALGRAD_SESSION_MEMORY_MB allows), all used in the last "
                            f"{self.protect_ms / 60000:g} minutes, and none is taken from a learner who is "
                            f"still working; try again in a few minutes, or ask your teacher", detail / 1000)
        if status == -2:
            raise StoreFull(f"a session of {size} bytes does not fit in MANUALGRAD_SESSION_MEMORY_MB", 60)
        self.evicted += detail
        if replaces:
            self.forget_local(replaces)
        session.version, session.saved_revision = 1, session.trainer.revision
        session.meta_bytes = len(config) + len(spec)
        self.keep(session)
        return session

    async def remove(self, session_id):
        lease = self._held.pop(session_id, None)
        if not await self.run("delete", session_id, self.name):
            raise SessionNotFound(session_id)
        self.forget_local(session_id)
        if lease is not None:
            await self.let_go(session_id, lease)

    async def has(self, session_id):
        return bool(await self.call("exists", key(session_id)))

    async def count(self):
        return int(await self.run("count", self.idle_ms))

    @contextlib.asynccontextmanager
    async def use(self, session_id, cancel=False):
        """The session for one request: this process's turn for it, then the lease (kept from
        this process's last request on it, or taken); loaded (or reloaded, if another process
        changed it) before. The work saves it (saved(), before the reply is sent); what is left
        unsaved is saved on the way out. One round trip to Redis for a request on a session this
        process worked on last: the save of a change, or the check of a read."""
        turns = self._turns.setdefault(session_id, Turns())
        if cancel:     # trains before it stop: on other processes by `resets`, here by the tickets
            if await self.run("reset", session_id) is None:
                raise SessionNotFound(session_id)
            turns.cancel_below = turns.issued + 1
        ticket = await turns.acquire()
        try:
            kept = self._held.pop(session_id, None)
            lease = self.usable(kept)
            if lease is None:        # taken anew (or this process's own, about to run out, renewed)
                lease = await self.acquire(session_id, kept.token if kept is not None else "")
            try:
                session = await self.load(session_id, lease.version)
                session.ticket, session.lease, session.ending = ticket, lease, None
                session.cancel_below = turns.cancel_below
                # the watcher starts only if the work lasts WATCH_SECONDS (a click is over first)
                stop, watchers = asyncio.Event(), []
                later = asyncio.get_running_loop().call_later(WATCH_SECONDS, lambda: watchers.append(
                    asyncio.create_task(self.watch(session, turns, lease, stop))))
                try:
                    yield session
                finally:
                    # the watcher stops by the event, not by cancelling it: redis-py may turn a
                    # cancel that lands inside a command into a connection error, which the watcher
                    # outlives (it then renewed the lease for ever, and this await never returned)
                    stop.set()
                    later.cancel()
                    for watcher in watchers:
                        watcher.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await watcher
                if session.closed:
                    raise SessionNotFound(session_id)
                await self.saved(session)
            except BaseException:
                local = self._local.get(session_id)
                if local is not None and local.trainer.revision != local.saved_revision:
                    self.forget_local(session_id)     # changed here, maybe not in Redis: load it again
                await self.let_go(session_id, lease)
                raise
            else:
                await self.keep_or_let_go(session_id, lease)
        finally:
            turns.release()

    async def saved(self, session):
        """After the work of a request: its changes to the session written to Redis (the lease
        kept or released in the same round trip), so that the reply goes out only once they are.
        A request that changed nothing on a kept lease asks Redis that the session is still there.
        Where the work sent that end itself (send_end, as it built its reply), this waits for
        Redis's answer to it instead."""
        lease = session.lease
        ending, session.ending = session.ending, None
        if lease is None or lease.released:
            return
        if lease.lost:
            self.forget_local(session.id)
            raise StoreUnavailable("another server took this session over while this one worked on "
                                   "it (it was too slow to renew its lease); try again")
        written = ending.written if ending is not None else None   # taken on the compute thread
        if written is None or written.end.revision != session.trainer.revision:
            end = self.end_of(session)
            if end is None:
                return
            sent = time.monotonic()
            try:
                reply = await self.run(end.script, *end.args)
            except StoreUnavailable:
                self.forget_local(session.id)      # what it holds here is not what Redis has
                raise
            written = Written(end, sent, reply)
        if written.error is not None:
            self.forget_local(session.id)
            raise StoreUnavailable(written.error)
        end, version = written.end, written.reply
        if end.script == "check":
            version = session.version if version == 1 else version
        lease.checked = True
        if version == -2 or version == 0 or not end.hold:
            lease.released = True                # the scripts let go of the lock in these cases
        if version == -2:
            self.forget_local(session.id)
            raise SessionNotFound(session.id)
        if version == 0:
            self.forget_local(session.id)
            raise StoreUnavailable("another server took this session over while this one worked on it; try again")
        lease.expires = written.sent + HOLD_MS / 1000
        session.version, session.saved_revision = int(version), end.revision
        if end.history is not None:
            session.saved_history, session.history_bytes = end.history, end.history_bytes
        lease.version = session.version

    def end_of(self, session):
        """What ends a request on its lease: a SAVE of what it changed (the histories too when
        they changed since the last save), or for a read on a kept lease a CHECK; None if
        nothing needs saying."""
        lease = session.lease
        if lease is None or lease.released or lease.lost:
            return None
        revision = session.trainer.revision
        hold = HOLD_MS if self.may_keep(session.id) else 0
        if revision != session.saved_revision:
            state = self.state_of(session)
            history = {name: state.pop(name) for name in [name for name in state if name.startswith(HISTORY)]}
            blob = pack(state)
            if same_arrays(history, session.saved_history):
                kept, size = b"", len(blob) + session.history_bytes + session.meta_bytes
            else:
                kept = pack(history)
                size = len(blob) + len(kept) + session.meta_bytes
            return End("save", (session.id, lease.token, blob, size, self.idle_ms, hold, kept),
                       revision, hold, history if kept else None, len(kept) if kept else None)
        if lease.kept and not lease.checked:
            return End("check", (session.id, lease.token, hold, self.idle_ms), revision, hold)
        return None

    def send_end(self, session):
        """On the compute thread, once the work has changed the session and before it builds its
        reply: the request's end (end_of) sent to Redis on this thread's own connection, so that
        Redis writes while the reply is built, instead of one more round trip from the event
        loop after it. Returns the Ending whose take() (run on this thread once the body is
        built, before it is handed over) reads Redis's answer, or None when there is nothing
        to send. This thread waits for that answer: at most the connection's timeout, when
        Redis hangs."""
        end = self.end_of(session)
        if end is None:
            return None
        sent = time.monotonic()
        for attempt in (1, 2):          # a connection Redis closed may fail the write: once more
            try:
                connection = self.direct()
                send(connection, "EVALSHA", SHA[end.script], 0, *end.args)
                break
            except (RedisError, OSError) as e:
                self.drop_direct()
                if attempt == 2:
                    return Ending(written=Written(end, sent, error=unreachable(self.url, e)))

        def answer():
            try:
                return Written(end, sent, self.reply_to(connection, end))
            except Exception as e:      # RedisError, OSError, or the reply cut short: never past this thread
                self.drop_direct()
                return Written(end, sent, error=unreachable(self.url, e))
        return Ending(answer)

    def reply_to(self, connection, end):
        """Redis's answer to `end`, sent on `connection`; sent again on a new connection if Redis
        had closed that one (it restarted; a SAVE or CHECK run twice does what it did once), and
        as the script itself if Redis has forgotten it."""
        try:
            return connection.read_response()
        except LostConnection:
            self.drop_direct()
            connection = self.direct()
            send(connection, "EVALSHA", SHA[end.script], 0, *end.args)
            try:
                return connection.read_response()
            except NoScriptError:
                pass
        except NoScriptError:
            pass
        send(connection, "EVAL", SCRIPTS[end.script], 0, *end.args)
        return connection.read_response()

    def direct(self):
        """The compute thread's connection to Redis (connected on first use)."""
        if self._direct is None:
            self._direct = redis.ConnectionPool.from_url(self.url, socket_timeout=2,
                                                         socket_connect_timeout=2).make_connection()
        return self._direct

    def drop_direct(self):
        if self._direct is not None:
            with contextlib.suppress(RedisError, OSError):
                self._direct.disconnect()
            self._direct = None

    # -- the lease: taken, kept between requests, handed over when another process asks ---------

    def usable(self, lease):
        """The lease kept from this process's last request on the session, if it is still good
        for a request (nobody else can have changed the session since), else None."""
        if lease is None or not self._listening or time.monotonic() > lease.expires - MARGIN:
            return None
        lease.kept, lease.checked = True, False
        return lease

    def may_keep(self, session_id):
        return self._listening and session_id not in self._wanted

    async def keep_or_let_go(self, session_id, lease):
        """After a request: the lease kept for this process's next request on the session, unless
        another process asked for it meanwhile."""
        if lease.released or lease.lost:
            self._wanted.discard(session_id)
            return
        now = time.monotonic()
        if self.may_keep(session_id) and now < lease.expires - MARGIN:
            self._held[session_id] = lease
            if len(self._held) > LOCAL_SESSIONS:         # leases of sessions not used since: gone
                self._held = {k: held for k, held in self._held.items() if held.expires > now}
        else:
            await self.let_go(session_id, lease)

    async def let_go(self, session_id, lease):
        self._wanted.discard(session_id)
        if not lease.released:
            lease.released = True
            with contextlib.suppress(StoreUnavailable):
                await self.run("release", session_id, lease.token)

    def wanted(self, message):
        """Another process asks for the session (its acquire found the lock taken, or it deleted
        the session): a lease kept idle here goes at once; one at work goes at the work's end."""
        session_id, _, name = message.partition(" ")
        if name == self.name:
            return
        turns = self._turns.get(session_id)
        if turns is not None and turns.locked():
            self._wanted.add(session_id)
            return
        lease = self._held.pop(session_id, None)
        if lease is not None:
            self.background(self.let_go(session_id, lease))

    async def listen(self):
        """Receive the other processes' asks (`want`) while this loop runs, again after an error."""
        while True:
            pubsub = self.redis().pubsub()
            try:
                await pubsub.subscribe(P + "want")
                async for message in pubsub.listen():
                    if message["type"] == "subscribe":    # again after redis-py reconnected:
                        self._held.clear()                  # asks may have gone unheard
                        self._listening = True
                    elif message["type"] == "message":
                        self.wanted(message["data"].decode())
            except (RedisError, OSError):
                pass
            finally:
                self._listening = False
                self._held.clear()      # asks may go unheard now: keep nothing (the locks run out)
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
            await asyncio.sleep(1)

    async def acquire(self, session_id, own=""):
        """The lease, once it is this request's (asking the holder to let go while it waits);
        `own`: the token of a lease this process kept, which Redis then renews if it still holds."""
        pause = 0.0005
        while True:
            sent = time.monotonic()
            reply = await self.run("acquire", session_id, LEASE_MS, self.idle_ms, own, self.name)
            if reply[0] == 1:
                return Lease(str(reply[1]), int(reply[2]), int(reply[3]), sent + LEASE_MS / 1000)
            if reply[0] == -2:
                raise SessionNotFound(session_id)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def watch(self, session, turns, lease, stop):
        """While a request works (until `stop` is set): renew its lease, and stop its train when
        a reset or a delete comes (on this process or another)."""
        renewed, ticket = time.monotonic() - WATCH_SECONDS, session.ticket    # it starts that late
        while not stop.is_set():
            session.cancel_below = max(session.cancel_below, turns.cancel_below)   # a reset here
            try:
                now = await self.call("hget", key(session.id), "resets")
                if now is None:
                    session.closed = True                        # deleted, here or elsewhere
                elif int(now) > lease.resets:
                    session.cancel_below = max(session.cancel_below, ticket + 1)   # a reset came
                if time.monotonic() - renewed >= RENEW_SECONDS:
                    sent = time.monotonic()
                    if await self.run("renew", session.id, lease.token, LEASE_MS):
                        lease.expires = sent + LEASE_MS / 1000
                    else:
                        lease.lost = True
                    renewed = time.monotonic()
            except StoreUnavailable:
                pass            # Redis away for a moment (or the work is done: `stop`); the save will say
            await asyncio.sleep(WATCH_SECONDS)

    # -- loading and saving -----------------------------------------------------------------------

    async def load(self, session_id, version):
        cached = self._local.get(session_id)
        if cached is not None and cached.version == version and not cached.closed:
            self._local.move_to_end(session_id)
            return cached
        fields = await self.call("hgetall", key(session_id))
        if not fields:
            raise SessionNotFound(session_id)
        session = await self.scheduler.run(lambda job: rebuild(session_id, fields))
        session.version = int(fields[b"version"])
        session.saved_revision = session.trainer.revision
        session.meta_bytes = len(fields[b"config"]) + len(fields[b"spec"])
        self.forget_local(session_id)
        self.keep(session)
        return session

    @staticmethod
    def state_of(session):
        state = session.trainer.state_dict()
        if "points" in session.config["dataset"]:        # the learner's own points travel with it
            state["data.X"], state["data.Y"] = session.trainer.points, session.trainer.Y
        return state

    @staticmethod
    def spec_of(session):
        spec = session.spec.model_dump(mode="json", exclude={"params"})
        if "points" in session.config["dataset"]:
            spec["dataset"] = {"points": True}                # the points are in the state
        return spec

    # -- this process's trainers in memory ---------------------------------------------------------

    def keep(self, session):
        session.held_bytes = held_bytes(session.trainer)
        session.writer = self
        session.saved_history, session.history_bytes = None, 0    # the next save writes them
        self._local[session.id] = session
        self.local_bytes += session.held_bytes
        self.trim()

    def forget_local(self, session_id):
        old = self._local.pop(session_id, None)
        if old is not None:
            self.local_bytes -= old.held_bytes

    def trim(self, extra=0, keep=None):
        """Drop the least recently used trainers not at work (their state is in Redis) until what
        this process holds fits; False if it cannot."""
        for other in list(self._local.values()):
            if len(self._local) <= LOCAL_SESSIONS and self.local_bytes + extra <= self.memory_bytes:
                return True
            turns = self._turns.get(other.id)
            if other is keep or (turns is not None and turns.locked()):
                continue
            self.forget_local(other.id)
        return len(self._local) <= LOCAL_SESSIONS and self.local_bytes + extra <= self.memory_bytes

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
        if self._local.get(session.id) is session:
            self.local_bytes += now - session.held_bytes
        session.held_bytes = now


def same_arrays(state, saved):
    """Whether every array of `state` is the very array (or a view of it) `saved` has: the
    histories' arrays are new ones whenever they changed (engine/bookkeeping/history.py's ArrayCopy)."""
    if saved is None or saved.keys() != state.keys():
        return False
    return all(same_array(value, saved[name]) if isinstance(value, np.ndarray) else value == saved[name]
               for name, value in state.items())


def same_array(a, b):
    if a.size == 0:                 # an empty history's array is made anew each time
        return b.size == 0 and a.shape == b.shape and a.dtype == b.dtype
    return (a if a.base is None else a.base) is (b if b.base is None else b.base)


def send(connection, *command):
    """The command in one write: redis-py writes a large argument apart from the rest (three
    writes for a SAVE), and each write wakes Redis again (tens of µs apiece on a VM)."""
    connection.send_packed_command([b"".join(connection.pack_command(*command))])


def key(session_id):
    return f"{P}s:{session_id}"


def unreachable(url, error):
    where = url.split("@")[-1]                  # no password in a message
    return f"the session store (Redis at {where}) cannot be reached: {error}; try again shortly"


def rebuild(session_id, fields):
    """A Session from its Redis hash: the trainer built from its config, then its state loaded."""
    state = unpack(fields[b"state"])
    if b"history" in fields:              # saved apart from the rest since the first save
        state.update(unpack(fields[b"history"]))
    spec = json.loads(fields[b"spec"])
    points = spec.get("dataset") == {"points": True}
    if points:
        spec.pop("dataset")
    config = SessionConfig.model_validate(spec)
    if points:    # arrays the server wrote itself: not validated again as a client's
        config.dataset = PointsDataset.model_construct(X=state.pop("data.X"), Y=state.pop("data.Y"))
    try:
        trainer, normalised = build_trainer(config)
        trainer.load_state_dict(state)
    except (ConfigError, ValueError) as e:
        raise StoreUnavailable(f"the session's saved state cannot be read back: {e}") from None
    return Session(session_id, trainer, json.loads(fields[b"config"]), config)


class RedisLimiter:
    """CreateLimiter's rule (so many creates per address in any 60 s) counted in Redis, so that
    every process of the class counts together."""

    def __init__(self, store, per_minute):
        self.store, self.per_minute = store, per_minute

    async def admit(self, address):
        from ...server.admission import RateLimited
        if self.per_minute <= 0:
            return
        wait = await self.store.run("rate", address, self.per_minute)
        if wait:
            raise RateLimited(self.per_minute, int(wait))

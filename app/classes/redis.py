"""Classes in Redis (with MANUALGRAD_REDIS_URL): every process of a school sees every class, so a
learner served by one process shows in the teacher's view served by another.

Keys (all expire `hours` after the class was last used, together):
- `mg:c:<code>`: the class, a hash of `digest` (of the teacher's key), `title`, `lesson` (JSON),
  `version` (of the lesson), `paused`, `created`;
- `mg:c:<code>:roster`: name -> JSON {session, joined};
- `mg:c:<code>:progress`: name -> JSON {step, loss, phase, accuracy, seen};
- `mg:c:<code>:errors:<name>`, `mg:c:<code>:predictions:<name>`, `mg:c:<code>:derivations:<name>`:
  lists, the newest few kept;
- `mg:m:<session id>`: JSON [code, name], which class a session is in.
A process remembers who is in which class, and whether a class is paused, for a second or two:
a request on a session in no class costs Redis nothing more after its first."""
import json
import time

from redis.exceptions import RedisError

from ..sessions.store import StoreUnavailable
from .model import (LISTS, ClassFull, ClassNotFound, Classroom, Learner, distinct, key_digest,
                    new_code, new_key)

REMEMBER_SECONDS = 2.0       # how long a process trusts what it read of membership and pause


class RedisClasses:
    def __init__(self, connection, hours, size):
        self.connection, self.seconds, self.size = connection, max(1, round(hours * 3600)), size
        self.memberships = {}        # session id -> ((code, name) or None, read at)
        self.pauses = {}             # code -> (paused, read at)
        self.refreshed = {}          # code -> when this process last pushed back its learners' keys

    async def run(self, build):
        """The commands `build(pipe)` queues, sent in one round trip; their replies."""
        client = self.connection.client()
        try:
            async with client.pipeline(transaction=False) as pipe:
                build(pipe)
                return await pipe.execute()
        except RedisError as e:
            raise StoreUnavailable(self.connection.unreachable(e)) from None

    def keys(self, code):
        return [f"mg:c:{code}", f"mg:c:{code}:roster", f"mg:c:{code}:progress"]

    def learner_keys(self, code, name, entry):
        """A learner's own keys: their lists and their session's membership (`entry`: their roster JSON)."""
        name = name.decode() if isinstance(name, bytes) else name
        return [*(f"mg:c:{code}:{kind}:{name}" for kind, _ in LISTS), f"mg:m:{json.loads(entry)['session']}"]

    def touch(self, pipe, code, *more):
        for key in [*self.keys(code), *more]:
            pipe.expire(key, self.seconds)

    async def create(self, title, lesson):
        key = new_key()
        for _ in range(20):
            code = new_code()
            fields = {"digest": key_digest(key), "title": json.dumps(title), "lesson": json.dumps(lesson),
                      "version": 1, "paused": 0, "created": time.time()}
            made, *_ = await self.run(lambda pipe: (pipe.hsetnx(f"mg:c:{code}", "digest", fields["digest"]),))
            if made:
                await self.run(lambda pipe: (pipe.hset(f"mg:c:{code}", mapping=fields), self.touch(pipe, code)))
                return code, key, time.time() + self.seconds
        raise StoreUnavailable("no free class code after 20 tries")

    async def get(self, code, learners=True):
        """The class (ClassNotFound if it is gone), its expiry pushed back; with `learners`, their
        progress, refusals and predictions too (without: a lesson's poll, a teacher's key checked)."""
        if not learners:
            meta, size, *_ = await self.run(lambda pipe: (
                pipe.hgetall(f"mg:c:{code}"), pipe.hlen(f"mg:c:{code}:roster"), self.touch(pipe, code)))
            return self.classroom(code, meta, size)
        meta, roster, progress, *_ = await self.run(lambda pipe: (
            pipe.hgetall(f"mg:c:{code}"), pipe.hgetall(f"mg:c:{code}:roster"), pipe.hgetall(f"mg:c:{code}:progress"),
            self.touch(pipe, code)))
        room = self.classroom(code, meta, len(roster))
        names = sorted((json.loads(v)["joined"], k.decode()) for k, v in roster.items())
        refresh = time.monotonic() - self.refreshed.get(code, 0) > min(60, self.seconds / 4)

        def read_lists(pipe):
            for _, name in names:
                for kind, _ in LISTS:
                    pipe.lrange(f"mg:c:{code}:{kind}:{name}", 0, -1)
            if refresh:               # now and then, every learner's keys kept as long as the class
                for name, entry in roster.items():
                    for key in self.learner_keys(code, name, entry):
                        pipe.expire(key, self.seconds)
        lists = await self.run(read_lists)
        if refresh:
            self.refreshed[code] = time.monotonic()
        for n, (joined, name) in enumerate(names):
            entry = json.loads(roster[name.encode()])
            seen = json.loads(progress.get(name.encode(), b"null")) or {}
            learner = Learner(name, entry["session"], joined=joined, seen=seen.pop("seen", joined),
                              **{kind: [json.loads(e) for e in lists[len(LISTS) * n + m]]
                                 for m, (kind, _) in enumerate(LISTS)})
            learner.progress = seen or learner.progress
            room.learners[name] = learner
        return room

    def classroom(self, code, meta, size):
        """A Classroom of the class's hash (ClassNotFound for none), without its learners yet."""
        if not meta:
            raise ClassNotFound(code)
        return Classroom(code, meta[b"digest"].decode(), json.loads(meta[b"title"]), json.loads(meta[b"lesson"]),
                         created=float(meta[b"created"]), paused=meta[b"paused"] == b"1",
                         lesson_version=int(meta[b"version"]), size=size)

    async def join(self, code, name, session_id):
        meta, roster = await self.run(lambda pipe: (pipe.exists(f"mg:c:{code}"), pipe.hkeys(f"mg:c:{code}:roster")))
        if not meta:
            raise ClassNotFound(code)
        if len(roster) >= self.size:
            raise ClassFull(f"the class has {self.size} learners, as many as this server allows")
        taken = {n.decode() for n in roster}
        while True:
            name = distinct(name, taken)
            entry = json.dumps({"session": session_id, "joined": time.time()})
            added, *_ = await self.run(lambda pipe: (pipe.hsetnx(f"mg:c:{code}:roster", name, entry),))
            if added:             # another join took the same name at the same moment: try the next
                break
            taken.add(name)
        await self.run(lambda pipe: (pipe.set(f"mg:m:{session_id}", json.dumps([code, name]), ex=self.seconds),
                                     self.touch(pipe, code)))
        self.memberships[session_id] = ((code, name), time.monotonic())
        return name

    async def member(self, session_id):
        """(code, name) of the class this session is in, or None; remembered a moment."""
        known = self.memberships.get(session_id)
        if known is not None and time.monotonic() - known[1] < REMEMBER_SECONDS:
            return known[0]
        (raw,) = await self.run(lambda pipe: (pipe.get(f"mg:m:{session_id}"),))
        found = tuple(json.loads(raw)) if raw else None
        if len(self.memberships) > 100_000:
            self.memberships.clear()
        self.memberships[session_id] = (found, time.monotonic())
        return found

    async def paused(self, session_id):
        found = await self.member(session_id)
        if found is None:
            return False
        code = found[0]
        known = self.pauses.get(code)
        if known is not None and time.monotonic() - known[1] < REMEMBER_SECONDS:
            return known[0]
        (flag,) = await self.run(lambda pipe: (pipe.hget(f"mg:c:{code}", "paused"),))
        self.pauses[code] = (flag == b"1", time.monotonic())
        return flag == b"1"

    async def record(self, session_id, progress=None, error=None, prediction=None, derivation=None):
        found = await self.member(session_id)
        if found is None:
            return
        code, name = found

        def build(pipe):
            if progress is not None:
                pipe.hset(f"mg:c:{code}:progress", name, json.dumps({**progress, "seen": time.time()}))
            for (kind, kept), entry in zip(LISTS, (error, prediction, derivation)):
                if entry is not None:
                    pipe.rpush(f"mg:c:{code}:{kind}:{name}", json.dumps(entry))
                    pipe.ltrim(f"mg:c:{code}:{kind}:{name}", -kept, -1)
                    pipe.expire(f"mg:c:{code}:{kind}:{name}", self.seconds)
            self.touch(pipe, code, f"mg:m:{session_id}")
        await self.run(build)

    async def moved(self, old, new, progress):
        """A learner's session replaced by a new one (a rebuild, a lesson opened): the learner
        keeps their place, with the new session's progress."""
        found = await self.member(old)
        if found is None:
            return
        code, name = found
        (entry,) = await self.run(lambda pipe: (pipe.hget(f"mg:c:{code}:roster", name),))
        if entry is None or json.loads(entry)["session"] != old:
            return
        entry = json.dumps({**json.loads(entry), "session": new})
        await self.run(lambda pipe: (
            pipe.hset(f"mg:c:{code}:roster", name, entry),
            pipe.hset(f"mg:c:{code}:progress", name, json.dumps({**progress, "seen": time.time()})),
            pipe.set(f"mg:m:{new}", json.dumps([code, name]), ex=self.seconds), pipe.delete(f"mg:m:{old}"),
            self.touch(pipe, code)))
        self.memberships.pop(old, None)
        self.memberships[new] = ((code, name), time.monotonic())

    async def set_lesson(self, code, lesson):
        await self.get_meta(code)
        version, *_ = await self.run(lambda pipe: (pipe.hincrby(f"mg:c:{code}", "version", 1),
                                                   pipe.hset(f"mg:c:{code}", "lesson", json.dumps(lesson)),
                                                   self.touch(pipe, code)))
        return version

    async def get_meta(self, code):
        (meta,) = await self.run(lambda pipe: (pipe.hgetall(f"mg:c:{code}"),))
        if not meta:
            raise ClassNotFound(code)
        return meta

    async def set_paused(self, code, paused):
        await self.get_meta(code)
        await self.run(lambda pipe: (pipe.hset(f"mg:c:{code}", "paused", int(paused)), self.touch(pipe, code)))
        self.pauses[code] = (paused, time.monotonic())

    async def remove(self, code, name):
        (entry,) = await self.run(lambda pipe: (pipe.hget(f"mg:c:{code}:roster", name),))
        if entry is None:
            raise ClassNotFound(name)
        session_id = json.loads(entry)["session"]
        await self.run(lambda pipe: (pipe.hdel(f"mg:c:{code}:roster", name), pipe.hdel(f"mg:c:{code}:progress", name),
                                     pipe.delete(f"mg:m:{session_id}",
                                                 *[f"mg:c:{code}:{kind}:{name}" for kind, _ in LISTS])))
        self.memberships.pop(session_id, None)

    async def end(self, code):
        await self.get_meta(code)
        (roster,) = await self.run(lambda pipe: (pipe.hgetall(f"mg:c:{code}:roster"),))
        await self.run(lambda pipe: pipe.delete(
            *self.keys(code), *[f"mg:m:{json.loads(v)['session']}" for v in roster.values()],
            *[f"mg:c:{code}:{kind}:{name.decode()}" for name in roster for kind, _ in LISTS]))

    def expires_at(self, room):
        return time.time() + self.seconds

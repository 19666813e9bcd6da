"""The event loop's connection to Redis: the scripts every request runs, other commands, and what
a failure means to a learner (StoreUnavailable: 503, try again shortly).

The scripts (two on every request: its lease, then its save) go over connections of redis-py's
own (its protocol, its parser, TLS and the password), kept here, one per script in flight:
redis-py's client around them (its pool, retries and instrumentation, and a task for each
socket timeout) made a click on Redis 0.12 ms slower (1.74 against 1.62 ms, when one in memory
takes 0.93). Other commands (a class's, a probe's) go through the client.
"""
import asyncio
import hashlib

import hiredis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as LostConnection, NoScriptError, RedisError

from ..store import StoreUnavailable
from .scripts import SCRIPTS

TIMEOUT_SECONDS = 2        # a Redis that hangs holds a request this long, then 503
KEPT = 64                  # idle script connections kept for the next requests


class Connection:
    """Commands and scripts to the Redis at `url`, from whichever event loop runs them."""

    def __init__(self, url):
        self.url = url
        self._client, self._loop, self._idle = None, None, []
        self._shas = {name: hashlib.sha1(text.encode()).hexdigest() for name, text in SCRIPTS.items()}

    def client(self):
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:       # one client per event loop
            # a command on a connection Redis closed (it restarted) goes once more on a new one,
            # instead of a 503 for each connection the pool still had; a timeout (a Redis that
            # hangs) is not tried again
            once = Retry(NoBackoff(), 1, supported_errors=(LostConnection,))
            self._client = aioredis.from_url(self.url, socket_timeout=TIMEOUT_SECONDS,
                                             socket_connect_timeout=TIMEOUT_SECONDS,
                                             health_check_interval=5, retry=once, retry_on_error=[LostConnection])
            self._idle, self._loop = [], loop
        return self._client

    async def run(self, name, *args):
        """The script `name` (scripts.py) with ARGV `args`: EVALSHA, or EVAL if Redis forgot it
        (it restarted). A connection Redis closed (a restart) is tried once more with a new one;
        one that hangs is given up after TIMEOUT_SECONDS."""
        pool = self.client().connection_pool
        for attempt in (1, 2):
            fresh = attempt == 2 or not self._idle      # a second try takes a new one: the idle may all be closed
            if fresh:                                     # the timeout is ours, below
                connection = pool.connection_class(**{**pool.connection_kwargs, "socket_timeout": None})
            else:
                connection = self._idle.pop()
            try:
                async with asyncio.timeout(TIMEOUT_SECONDS):
                    reply = await self._script(connection, name, args)
            except BaseException as e:       # a cancel too: what the connection holds is unknown
                await connection.disconnect(nowait=True)
                if isinstance(e, LostConnection) and not fresh:
                    continue                 # it was closed while idle: once more on a new one
                if isinstance(e, (RedisError, OSError, TimeoutError)):
                    raise StoreUnavailable(self.unreachable(e)) from None
                raise
            if len(self._idle) < KEPT:
                self._idle.append(connection)
            else:
                await connection.disconnect()
            return reply

    async def _script(self, connection, name, args):
        if not connection.is_connected:
            await connection.connect()
        # hiredis packs the command itself: redis-py's packer around it took 16 us a script
        await connection.send_packed_command(hiredis.pack_command(("EVALSHA", self._shas[name], 0, *args)),
                                             check_health=False)
        try:
            return await connection.read_response()
        except NoScriptError:
            await connection.send_packed_command(hiredis.pack_command(("EVAL", SCRIPTS[name], 0, *args)),
                                                 check_health=False)
            return await connection.read_response()

    async def call(self, method, *args):
        client = self.client()
        try:
            return await getattr(client, method)(*args)
        except RedisError as e:
            raise StoreUnavailable(self.unreachable(e)) from None

    async def trouble(self):
        """Why Redis cannot serve, or None."""
        try:
            await asyncio.wait_for(self.client().ping(), TIMEOUT_SECONDS)
        except (RedisError, OSError, asyncio.TimeoutError) as e:
            return self.unreachable(e)
        return None

    def unreachable(self, error):
        where = self.url.split("@")[-1].split("://")[-1]      # host:port/db: no password in a message
        return f"the session store (Redis at {where}) cannot be reached: {error or type(error).__name__}; try again shortly"

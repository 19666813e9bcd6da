"""The event loop's connection to Redis: one asyncio client per event loop, the scripts, and
what a failure means to a learner (StoreUnavailable: 503, try again shortly)."""
import asyncio

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as LostConnection, RedisError

from ..store import StoreUnavailable
from .scripts import SCRIPTS

TIMEOUT_SECONDS = 2        # a Redis that hangs holds a request this long, then 503


class Connection:
    """Commands and scripts to the Redis at `url`, from whichever event loop runs them."""

    def __init__(self, url):
        self.url = url
        self._client, self._loop, self._scripts = None, None, {}

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
            self._scripts = {name: self._client.register_script(text) for name, text in SCRIPTS.items()}
            self._loop = loop
        return self._client

    async def run(self, name, *args):
        """The script `name` (scripts.py) with ARGV `args`: EVALSHA, or EVAL if Redis forgot it."""
        client = self.client()
        try:
            return await self._scripts[name](keys=[], args=list(args), client=client)
        except RedisError as e:
            raise StoreUnavailable(self.unreachable(e)) from None

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
        return f"the session store (Redis at {where}) cannot be reached: {error}; try again shortly"

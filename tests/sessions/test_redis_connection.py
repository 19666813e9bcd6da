"""The scripts' own connections to Redis (sessions/redis/connection.py): a hanging Redis gives a
503 in TIMEOUT_SECONDS, a connection Redis closed is replaced, a script Redis forgot is sent
again, and a cancelled command leaves no connection behind in an unknown state."""
import asyncio
import time

import pytest

from app.sessions.redis import connection as redis_connection
from app.sessions.redis.connection import Connection
from app.sessions.store import StoreUnavailable


def test_a_redis_that_never_answers_is_a_503_after_the_timeout(monkeypatch):
    """A server that takes the connection and says nothing: the script gives up after
    TIMEOUT_SECONDS with the reason, and the connection is not kept for the next request."""
    monkeypatch.setattr(redis_connection, "TIMEOUT_SECONDS", 0.3)

    async def scenario():
        held = []

        async def silent(reader, writer):
            held.append(writer)                  # never a byte back
            await reader.read()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connection = Connection(f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as refused:
            await connection.run("count", 1000)
        took = time.monotonic() - started
        kept = len(connection._idle)
        server.close()
        return took, kept, str(refused.value)

    took, kept, message = asyncio.run(scenario())
    assert 0.3 <= took < 3, took
    assert kept == 0
    assert "Redis at 127.0.0.1" in message and "try again shortly" in message


def test_connections_redis_closed_and_scripts_it_forgot_are_replaced(redis):
    """After Redis closes every client connection and forgets its scripts, the next script runs:
    once more on a new connection (not on another of the idle ones, closed too), then by EVAL."""
    import redis as redis_py
    admin = redis_py.Redis.from_url(redis.url)

    async def scenario():
        connection = Connection(redis.url)
        first, _ = await asyncio.gather(connection.run("count", 60_000), connection.run("count", 60_000))
        assert len(connection._idle) == 2
        admin.script_flush()
        admin.client_kill_filter(_type="normal", skipme=True)
        second = await connection.run("count", 60_000)
        return first, second, len(connection._idle), admin.script_exists(connection._shas["count"])

    assert asyncio.run(scenario()) == (0, 0, 2, [True])


def test_a_cancelled_script_drops_its_connection(redis):
    """A request cancelled while its script is in flight (its client went away): the connection,
    whose reply may still come, is closed rather than kept for the next script."""
    async def scenario():
        connection = Connection(redis.url)
        await connection.run("count", 60_000)
        idle = connection._idle[0]
        task = asyncio.create_task(connection.run("count", 60_000))
        await asyncio.sleep(0)                   # inside the command
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        after = await connection.run("count", 60_000)
        return idle.is_connected, idle in connection._idle, after

    assert asyncio.run(scenario()) == (False, False, 0)

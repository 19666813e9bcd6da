"""A request's lease on its session in Redis: one request at a time across every process.

The lease is a lock key holding a fencing token (a number that only grows): SAVE writes only
while the lock still holds its token, so a process that lost its lease (it stalled past
LEASE_MS, and another took the session) cannot overwrite newer work. A lease runs out by itself
LEASE_MS after it was taken or renewed: a process killed mid-request frees its sessions then.
"""
import asyncio
import contextlib
from dataclasses import dataclass

from ..store import SessionNotFound, StoreUnavailable

LEASE_MS = 3000            # a lease not renewed for this long is free again (its process died)
WATCH_SECONDS = 0.25       # work that lasts longer renews its lease and looks for a reset or a delete this often
MAX_PAUSE = 0.05           # the longest wait between two tries for a lease another request holds


@dataclass
class Lease:
    """The lease of one request: its `token`, the session's `version` and reset count when it
    was taken, and the session's fields ({name: bytes}: config, spec, state, history, past, and
    each past state) when its version was not the one this process had."""
    token: str
    version: int
    resets: int
    fields: dict | None = None
    lost: bool = False         # another process has taken the session since
    ended: bool = False        # saved (which releases it) or released


async def acquire(connection, session_id, idle_ms, known_version):
    """The session's lease, once no other request holds it: one round trip, which also brings the
    session's fields when their version moved past `known_version`."""
    pause = 0.0005
    while True:
        reply = await connection.run("acquire", session_id, LEASE_MS, idle_ms, known_version)
        if reply[0] == 1:
            fields = {name.decode(): value for name, value in zip(reply[4::2], reply[5::2])} if len(reply) > 4 else None
            return Lease(str(reply[1]), int(reply[2]), int(reply[3]), fields)
        if reply[0] == -2:
            raise SessionNotFound(session_id)
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)


async def release(connection, session_id, lease):
    """The lease given back (a request that saved nothing, or failed); Redis away: it runs out."""
    if not lease.ended:
        lease.ended = True
        with contextlib.suppress(StoreUnavailable):
            await connection.run("release", session_id, lease.token)


async def watch(connection, session, lease, ticket, stop):
    """While a request works (until `stop` is set): renew its lease, and stop its work when a
    reset (on any process) or a delete comes. It is never cancelled: redis-py may turn a cancel
    that lands inside a command into a connection error. A watcher that outlives its request
    can do no harm: its token is no longer the lock's."""
    while not stop.is_set():
        try:
            answer = await connection.run("watch", session.id, lease.token, LEASE_MS)
        except StoreUnavailable:
            answer = None                  # Redis away for a moment: the save will say
        if answer == -1:
            lease.lost = True
        elif answer == -2:
            session.closed = True          # deleted, here or on another process
        elif answer is not None and answer > lease.resets:
            session.turns.cancel_below = max(session.turns.cancel_below, ticket + 1)    # a reset came
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), WATCH_SECONDS)

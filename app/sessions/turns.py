"""Turns: one session's requests run one at a time, in the order they arrived."""
import asyncio
import threading
from collections import deque


class Turns:
    """A first-come, first-served lock for async code, usable from any event loop or thread.

    An asyncio.Lock belongs to one event loop (starlette's TestClient runs each client on a
    loop of its own); this one hands the turn to the next waiter through that waiter's own
    loop. Each acquire gets a ticket, the request's place in the session's order.
    """

    def __init__(self):
        self._mutex = threading.Lock()
        self._held = False
        self._waiting = deque()          # (loop, future) of each waiter, in arrival order
        self.issued = 0                  # tickets handed out so far
        self.cancel_below = 0            # a reset or delete came: work of earlier tickets stops

    def locked(self):
        return self._held

    async def acquire(self):
        """Wait for this caller's turn; its ticket number."""
        loop = asyncio.get_running_loop()
        with self._mutex:
            self.issued += 1
            ticket = self.issued
            if not self._held:
                self._held = True
                return ticket
            future = loop.create_future()
            self._waiting.append((loop, future))
        try:
            await future
        except asyncio.CancelledError:
            with self._mutex:
                still_waiting = (loop, future) in self._waiting
                if still_waiting:
                    self._waiting.remove((loop, future))
            if not still_waiting and future.done() and not future.cancelled():
                self.release()           # the turn came just as the caller gave up: pass it on
            raise
        return ticket

    def try_acquire(self):
        """Take the turn if nobody holds it or waits for it; whether it was taken."""
        with self._mutex:
            if self._held:
                return False
            self._held = True
            return True

    def release(self):
        """Hand the turn to the longest waiting caller, or free it."""
        with self._mutex:
            while self._waiting:
                loop, future = self._waiting.popleft()
                try:
                    loop.call_soon_threadsafe(self._grant, future)
                    return
                except RuntimeError:     # that waiter's loop has closed: the next one
                    continue
            self._held = False

    def _grant(self, future):
        if future.cancelled():           # its caller gave up meanwhile
            self.release()
        else:
            future.set_result(None)

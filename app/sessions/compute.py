"""The compute thread: every piece of numerical work of the server runs here, in slices.

The event loop only parses requests and sends replies; a handler hands its work to
`Scheduler.run` and awaits the result. One thread does all the NumPy work of this process (with
the GIL, a second would only take turns with it), so that:

- interactive work (a phase, a state, a chain rule, a new session) is served first, in arrival
  order; the work of a session on Play (its trains, and the pictures it fetches between them)
  is bulk, so that players slow down before a click does;
- bulk work (a train, a whole-network gradient check, the pictures of a big net) runs in slices
  of about SLICE_SECONDS, taking turns round-robin, so learners on Play share the thread evenly
  and a click waits at most one slice for it;
- what counts as bulk is measured, not estimated: work that is a generator yields where it may
  be paused, and once it has used one slice it goes to the back of the bulk queue; work of a
  kind that took longer than a slice last time for that session starts in the bulk queue.

A job is `fn(job, *args)`: a plain function, or a generator function whose `return` value is the
result. `job.spent` is the compute it has used so far (its own slices, not the time it waited),
which is what the train time limit counts.
"""
import asyncio
import inspect
import threading
import time
from collections import deque

SLICE_SECONDS = 0.005     # a bulk job runs this long, then the others get their turn
COST_MEMORY = 0.5         # weight of the latest measurement in a session's running cost


class Job:
    """One request's work, its result delivered to the event loop that waits for it."""

    def __init__(self, fn, args, loop, key):
        self.fn, self.args, self.loop, self.key = fn, args, loop, key
        self.future = loop.create_future()
        self.generator = None
        self.spent = 0.0                 # seconds of compute used so far
        self.done = threading.Event()
        self.abandoned = False           # nobody waits for the result any more: stop at the next slice
        self.submitted = time.perf_counter()
        self.finished = None             # when its last slice ended

    def finish(self, result=None, error=None):
        self.finished = time.perf_counter()

        def deliver():
            if not self.future.done():
                if error is not None:
                    self.future.set_exception(error)
                else:
                    self.future.set_result(result)
        self.done.set()
        try:
            self.loop.call_soon_threadsafe(deliver)
        except RuntimeError:             # the loop has closed: nobody is waiting
            pass


class Scheduler:
    """Runs jobs on one compute thread: interactive ones first, bulk ones in round-robin slices."""

    def __init__(self, slice_seconds=SLICE_SECONDS):
        self.slice_seconds = slice_seconds
        self._interactive, self._bulk = deque(), deque()
        self._wake = threading.Condition()
        self._thread = None
        self.busy_seconds = 0.0          # compute time of every job so far (for the benchmarks)

    def _start(self):
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="manualgrad-compute", daemon=True)
            self._thread.start()

    async def run(self, fn, *args, costs=None, kind=None, timing=None, bulk=False):
        """fn(job, *args) on the compute thread; its result (or its exception) here.

        `costs` is the session's dict of measured seconds by `kind`: work that last took more
        than a slice starts in the bulk queue, and the new measurement is stored; with `bulk`,
        it starts there anyway (a session on Play). `timing`, a dict, gets the job's times:
        submitted and finished (time.perf_counter) and its compute."""
        loop = asyncio.get_running_loop()
        job = Job(fn, args, loop, kind)
        bulk = bulk or (costs is not None and costs.get(kind, 0.0) > self.slice_seconds)
        with self._wake:
            self._start()
            (self._bulk if bulk else self._interactive).append(job)
            self._wake.notify()
        try:
            return await asyncio.shield(job.future)
        except asyncio.CancelledError:
            job.abandoned = True
            raise
        finally:
            if costs is not None and job.done.is_set():
                costs[kind] = COST_MEMORY * job.spent + (1 - COST_MEMORY) * costs.get(kind, job.spent)
            if timing is not None:
                timing.update(submitted=job.submitted, finished=job.finished, compute=job.spent)

    def pending(self):
        """(interactive, bulk) jobs waiting for the thread."""
        return len(self._interactive), len(self._bulk)

    def _work(self):
        while True:
            with self._wake:
                while not (self._interactive or self._bulk):
                    self._wake.wait()
                job = self._interactive.popleft() if self._interactive else self._bulk.popleft()
            if not self._slice(job):
                with self._wake:
                    self._bulk.append(job)
            time.sleep(0)                # let the event loop take the GIL between slices

    def _slice(self, job):
        """Run the job for one slice; True when it has finished."""
        start = time.perf_counter()
        deadline = start + self.slice_seconds
        try:
            if job.abandoned:
                raise asyncio.CancelledError()
            if job.generator is None:
                result = job.fn(job, *job.args)
                if not inspect.isgenerator(result):
                    job.finish(result)
                    return True
                job.generator = result
            while True:
                next(job.generator)
                if time.perf_counter() >= deadline:
                    return False
        except StopIteration as stop:
            job.finish(stop.value)
            return True
        except BaseException as error:   # the handler turns it into a 4xx, or a logged 500
            job.finish(error=error)
            return True
        finally:
            elapsed = time.perf_counter() - start
            job.spent += elapsed
            self.busy_seconds += elapsed

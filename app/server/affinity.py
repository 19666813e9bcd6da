"""MANUALGRAD_CPUS: each server process kept on one CPU.

A ManualGrad process is two threads taking turns (the event loop and the compute thread share
one GIL). Left to the OS, they run on different CPUs, and every hand-over between them wakes the
other CPU: on a virtual machine whose idle CPUs halt, that costs tens to hundreds of µs each
time, and Redis, woken by the compute thread, is then run on the compute thread's CPU, after
it. Kept on one CPU, the hand-overs are cheap and the other CPUs are left to Redis and the rest
(benchmarks/sessions_in_redis.py and the README measure both).

- "" (the default): the OS places the threads.
- "auto": process k of `--workers` on the k-th of the CPUs it may use (round robin).
- "0,2": process k on the k-th CPU of the list (round robin).

Only for a machine (or container) that is the class's: a process kept on a CPU cannot move to
another when something else loads that one.
"""
import os


def parse(setting):
    """The setting checked: "", "auto", or a list of CPU numbers; the list, "auto" or None."""
    setting = setting.strip()
    if setting in ("", "auto"):
        return setting or None
    try:
        cpus = [int(part) for part in setting.split(",")]
    except ValueError:
        raise ValueError(f"MANUALGRAD_CPUS must be empty, 'auto' or CPU numbers such as '0,1', "
                         f"got {setting!r}") from None
    if any(cpu < 0 for cpu in cpus):
        raise ValueError(f"MANUALGRAD_CPUS names CPUs by numbers from 0, got {setting!r}")
    return cpus


def cpus_for(setting):
    """The CPUs the processes go on, in turn (None: wherever the OS puts them); a ValueError
    naming the setting when it cannot be followed here."""
    chosen = parse(setting)
    if chosen is None:
        return None
    if not hasattr(os, "sched_setaffinity"):
        raise ValueError("MANUALGRAD_CPUS needs Linux (os.sched_setaffinity); leave it empty here")
    allowed = sorted(os.sched_getaffinity(0))
    if chosen == "auto":
        return allowed
    outside = [cpu for cpu in chosen if cpu not in allowed]
    if outside:
        raise ValueError(f"MANUALGRAD_CPUS names CPU {outside[0]}, which this process may not use "
                         f"(it may use {','.join(map(str, allowed))})")
    return chosen


def keep_on(cpu):
    """Every thread of this process on `cpu`; threads started later inherit it."""
    for thread in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(thread), {cpu})
        except ProcessLookupError:      # a thread that ended meanwhile
            pass

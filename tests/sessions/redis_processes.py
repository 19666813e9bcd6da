"""What the Redis tests share: real app processes on one real redis-server, and a starter
configuration."""
import contextlib
import os

from ..live import live_process

CONFIG = {"layers": [2, 8, 8, 1], "dataset": {"name": "circles", "n": 300}, "batch_size": 32,
          "optimizer": {"name": "adam", "lr": 0.02}}
BIG = {"layers": [2, 64, 64, 1], "dataset": {"name": "xor", "n": 1000}}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@contextlib.contextmanager
def servers(redis, count=2, **settings):
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(live_process(redis_url=redis.url, **settings)) for _ in range(count)]


def comparable(state):
    """A state without its id (the one thing two sessions of the same config differ in) and a
    train's `waited` (a measured time)."""
    return {k: v for k, v in state.items() if k not in ("id", "waited")}


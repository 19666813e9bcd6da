"""Work in steps: a generator that pauses (yields) where the server's compute thread may hand
its turn to others, and returns its result; run_steps runs one to its end in one go."""


def run_steps(steps):
    """The value a generator of steps returns, run to its end in one go."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value

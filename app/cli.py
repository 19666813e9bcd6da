"""`manualgrad`: serve the app with uvicorn."""
import argparse
import sys

import uvicorn
from pydantic import ValidationError

from .server import workers
from .server.probe import record
from .server.guards import GuardedHttpToolsProtocol
from .settings import Settings


def main(argv=None):
    try:
        settings = Settings()
    except ValidationError as e:          # a MANUALGRAD_* variable the server cannot use
        sys.exit("\n".join(setting_problem(error) for error in e.errors()))
    parser = argparse.ArgumentParser(prog="manualgrad", description="Serve ManualGrad.")
    parser.add_argument("--host", default=settings.host, help=f"address to bind (default {settings.host})")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes (more than 1 needs MANUALGRAD_REDIS_URL: they share the sessions there)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.workers > 1 and not settings.redis_url:
        parser.error(f"--workers {args.workers} needs MANUALGRAD_REDIS_URL (e.g. redis://127.0.0.1:6379/0): "
                     f"sessions in memory live in one process, so each learner's requests must all reach it")
    print(f"manualgrad: {where_sessions_live(settings)}", file=sys.stderr, flush=True)
    record(args.host, args.port)      # for the image's HEALTHCHECK (python -m app.server.probe)
    # browsers keep idle connections open far longer than uvicorn's 5 s default; a server that
    # closes first can race a request reusing the connection
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from loopback; the app
    # alone decides whom to believe (MANUALGRAD_TRUSTED_PROXIES)
    # GuardedHttpToolsProtocol: uvicorn's httptools protocol with deadlines and a size cap for a
    # request's head, and a cap on open connections
    options = dict(log_level=settings.log_level.lower(), timeout_keep_alive=75, proxy_headers=False,
                   http=GuardedHttpToolsProtocol)
    if args.workers > 1:      # a socket per process, so that each gets its share (app/server/workers.py)
        workers.serve(args.host, args.port, args.workers, **options)
    else:
        uvicorn.run("app.main:app", host=args.host, port=args.port, **options)


SECRET_SETTINGS = ("secret", "redis_url")     # their values are never printed


def setting_problem(error):
    """One line for a setting the server cannot use: its variable, what it takes, what it got."""
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:                  # a rule across settings: its message names them
        return f"manualgrad: {message}"
    name = str(error["loc"][0])
    got = "" if name in SECRET_SETTINGS else f" (got {str(error['input'])[:40]!r})"
    return f"manualgrad: MANUALGRAD_{name.upper()}: {message}{got}"


def where_sessions_live(settings):
    """Where sessions live, and for Redis whether it answered (never its password)."""
    if not settings.redis_url:
        return "sessions live in this process's memory"
    import redis
    where = settings.redis_url.split("@")[-1].split("://")[-1]
    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
    except (redis.RedisError, OSError) as e:
        return (f"sessions live in Redis at {where}, which does not answer ({type(e).__name__}); "
                f"requests get 503 until it does")
    return f"sessions live in Redis at {where}, which answered"


if __name__ == "__main__":
    main()

"""The FastAPI application: routes, middleware, error handlers, the page and its static files."""
import gc
import logging
import re

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from threadpoolctl import threadpool_limits

from .server.admission import Limiter, RedisLimiter, RefusalBudget, creates, parse_networks, tools
from .api.routes import classes, derive, docs, graph, health, inspect, pages, phases, predict, scenarios, sessions
from .classes.memory import MemoryClasses
from .classes.redis import RedisClasses
from .api.routes.scenarios import IMPORT_PATH, preset_list
from .sessions.compute import Scheduler
from .server.errors import install_error_handlers
from .server.middleware import Arrival, BodyLimit, HeadAsGet, JSONOnly, LargeBodyGuard, SecurityHeaders
from .paths import STATIC, TEMPLATES
from .server.guards import BodyDeadline, quiet_storms
from .sessions.redis.store import RedisStore
from .scenarios.presets import load_presets
from .settings import Settings
from .sessions.memory import MemoryStore


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    logging.getLogger("manualgrad").setLevel(settings.log_level.upper())
    quiet_storms()
    # FastAPI's own OpenTelemetry hooks off: nothing here exports traces, and asking whether a
    # provider is set up cost every request ~2 % of its time
    app = FastAPI(title="ManualGrad", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Per-session NumPy networks with every intermediate value, over HTTP.",
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False})
    # one BLAS thread: the process's compute thread and the event loop share the cores with
    # the other processes; more threads oversubscribe them (20 trains ran at a quarter speed)
    threadpool_limits(settings.blas_threads)
    app.state.settings = settings
    app.state.scheduler = Scheduler()
    create_limit, tools_limit = creates(settings.creates_per_minute), tools(settings.tools_per_minute)
    if settings.redis_url:
        app.state.store = RedisStore(settings, app.state.scheduler)
        app.state.limiter = RedisLimiter(app.state.store.connection, create_limit, "create")
        app.state.tools_limiter = RedisLimiter(app.state.store.connection, tools_limit, "tools")
        app.state.classes = RedisClasses(app.state.store.connection, settings.class_hours, settings.class_size)
    else:
        app.state.store = MemoryStore(settings.max_sessions, settings.idle_seconds, settings.protect_seconds,
                                       int(settings.session_memory_mb * 2**20))
        app.state.limiter = Limiter(create_limit)
        app.state.tools_limiter = Limiter(tools_limit)
        app.state.classes = MemoryClasses(settings.class_hours, settings.class_size)
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    app.state.templates = Jinja2Templates(directory=TEMPLATES)
    app.state.presets = load_presets(settings.scenarios_dir)
    app.state.preset_list = preset_list(app.state.presets)
    for module in (phases, sessions, inspect, predict, derive, scenarios, classes, graph, health, pages, docs):   # the clicks first: routes match in order
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_handlers(app)
    app.add_middleware(JSONOnly, paths=["/api/sessions", re.escape(IMPORT_PATH), "/api/classes", "/api/classes/[^/]+/join"])
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes,
                       by_path={IMPORT_PATH: settings.max_import_bytes},
                       receiving_bytes=int(settings.receiving_mb * 2**20))
    app.add_middleware(LargeBodyGuard, budget=RefusalBudget(), trusted=app.state.trusted_proxies)
    app.add_middleware(BodyDeadline, seconds=settings.body_timeout)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Arrival)              # the outermost: where a request's Server-Timing starts
    return app


app = create_app()
# What is imported and built by now lives as long as the process: out of the garbage collector's
# sight, so a full collection (which pauses every request) walks only what came later. A young
# collection every 7,000 new containers rather than 700: a class makes ~50,000 a second
gc.freeze()
gc.set_threshold(7000, 10, 10)

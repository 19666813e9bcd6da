"""Operator settings, read from MANUALGRAD_* environment variables."""
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .server.admission import parse_networks


DEFAULT_PROTECT_SECONDS = 900.0


class Settings(BaseSettings):
    """Every setting has a default; set MANUALGRAD_<NAME> to change it."""

    model_config = SettingsConfigDict(env_prefix="MANUALGRAD_")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    max_sessions: int = Field(1000, ge=1)   # sessions held at once
    idle_seconds: float = Field(3600.0, gt=0)   # sessions idle longer than this are dropped
    # a session used this recently is never evicted to make room (at most idle_seconds;
    # unset: 900 s, or idle_seconds if that is shorter)
    protect_seconds: float | None = Field(None, ge=0)
    session_memory_mb: float = Field(1024.0, gt=0)   # what all sessions may hold together
    max_session_mb: float = Field(256.0, gt=0)       # what one session may hold
    # compute a request may use (a train, a whole-network gradient check), not counting its wait
    train_seconds: float = Field(10.0, gt=0)
    blas_threads: int = Field(1, ge=1)    # BLAS threads of the process (threadpoolctl at start)
    creates_per_minute: int = Field(300, ge=0)   # new sessions per client address a minute; 0: no limit
    # graph-lab runs, link encodes and decodes, and imports per client address a minute; 0: no limit
    tools_per_minute: int = Field(600, ge=0)
    # addresses or networks of the reverse proxies whose X-Forwarded-For is believed, comma-separated
    trusted_proxies: str = ""
    header_timeout: float = Field(10.0, gt=0)   # seconds for a request's head to arrive
    body_timeout: float = Field(30.0, gt=0)     # seconds for its body to arrive
    # open connections at once (each holds a file descriptor: keep it below `ulimit -n`, 1,024 by
    # default, with room for the files and sockets the server opens itself)
    max_connections: int = Field(900, ge=1)
    # sessions in Redis (e.g. redis://127.0.0.1:6379/0), shared by every process; none: in memory
    redis_url: str | None = None
    # signs exported session files with an HMAC; then only files signed with it import
    secret: SecretStr | None = None

    def secret_key(self):
        """The secret as bytes, or None."""
        return self.secret.get_secret_value().encode() if self.secret else None
    max_body_bytes: int = 2 * 1024 * 1024
    # what the bodies being received at once may hold together; past it 503 with Retry-After
    receiving_mb: float = Field(64.0, gt=0)
    # a session file (POST /api/sessions/import): every session this server creates exports
    # under it; the largest, 64 × 8 units with Adam and 5,000 points of its own, is about 7 MB
    max_import_bytes: int = 12 * 1024 * 1024
    scenarios_dir: str | None = None  # a folder of the teacher's own preset .json files
    class_hours: float = Field(4.0, gt=0, le=168)   # a class not used this long ends (its roster and answers go)
    class_size: int = Field(200, ge=1, le=2000)     # learners in one class

    @model_validator(mode="after")
    def proxies_are_addresses(self):
        parse_networks(self.trusted_proxies)
        return self

    @model_validator(mode="after")
    def protect_within_idle(self):
        if self.protect_seconds is None:
            self.protect_seconds = min(DEFAULT_PROTECT_SECONDS, self.idle_seconds)
        elif self.protect_seconds > self.idle_seconds:
            raise ValueError(f"MANUALGRAD_PROTECT_SECONDS ({self.protect_seconds:g}) must be at most "
                             f"MANUALGRAD_IDLE_SECONDS ({self.idle_seconds:g})")
        return self

"""Operator settings, read from MANUALGRAD_* environment variables."""
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a default; set MANUALGRAD_<NAME> to change it."""

    model_config = SettingsConfigDict(env_prefix="MANUALGRAD_")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    max_sessions: int = 1000          # the least recently used session is evicted past this
    idle_seconds: float = 3600.0      # sessions idle longer than this are dropped
    train_seconds: float = 10.0       # a train request stops after this long, with the steps run so far
    max_body_bytes: int = 2 * 1024 * 1024
    # a session file (POST /api/sessions/import): every session this server creates exports
    # under it; the largest, 64 × 8 units with Adam and 5,000 points of its own, is about 7 MB
    max_import_bytes: int = 12 * 1024 * 1024
    scenarios_dir: str | None = None  # a folder of the teacher's own preset .json files

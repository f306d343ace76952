"""The one settings class: the CLI, the server and the docs read every default from here.

Values come from `CLIPCROWD_*` environment variables (or a `.env` file). Unsafe combinations are
refused at start-up instead of being silently accepted.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Server, storage and limit settings (environment prefix `CLIPCROWD_`)."""

    model_config = SettingsConfigDict(env_prefix="CLIPCROWD_", env_file=".env", extra="ignore")

    home: Path = Field(Path("clipcrowd-data"), description="Data directory: SQLite database and media.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default is SQLite in WAL mode inside `home`."
    )
    storage_url: str | None = Field(None, description="fsspec URL for media; default is `home`/media.")
    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes (PostgreSQL only).")
    max_upload_bytes: int = Field(200 * 1024 * 1024, gt=0, description="Cap on one uploaded file.")
    max_batch_items: int = Field(100_000, gt=0, description="Cap on items in one batch request.")
    inline_batch_items: int = Field(
        1000, ge=0, le=100_000,
        description="An `async_mode` batch of at most this many items is written within the request and answered "
                    "with its finished operation (toloka-kit's `wait_operation` then returns at once, not after "
                    "its 0.5 s first poll); a larger one is written by the job runner while the client polls.",
    )
    maintenance_interval_seconds: float = Field(
        2.0, gt=0, description="How often expiry, auto-accept and pool closing run."
    )
    keep_alive_seconds: int = Field(
        75, ge=1, le=3600,
        description="How long an idle HTTP connection stays open; longer than clients keep theirs (clipcrowd's: 5 s).",
    )
    executor: str = Field(
        "local", pattern=r"^(local|ray|ray://[A-Za-z0-9.\-\[\]:]+:\d+)$",
        description="Where job shards run: `local` (worker processes here), `ray` (start or attach a local "
                    "Ray) or `ray://host:port` (a Ray cluster; needs `clipcrowd[ray]`).",
    )
    job_workers: int = Field(1, ge=1, le=256, description="Shards one server runs at once (processes or Ray tasks).")
    job_lease_seconds: float = Field(
        60.0, ge=1, le=86400, description="A shard's lease; renewed while it runs, re-claimed once it lapses."
    )
    max_json_bytes: int = Field(16 * 1024 * 1024, gt=0, description="Cap on one JSON or form request body.")
    task_upload_inline_bytes: int = Field(
        1024 * 1024, ge=0,
        description="A desk task file up to this size is checked within the request (about 10,000 rows, ~1 s); "
                    "a larger one by a `tasks.upload` job whose page shows its progress and report.",
    )
    max_text_chars: int = Field(1_000_000, gt=0, description="Cap on one string inside a JSON body.")
    db_pool_size: int = Field(20, ge=1, le=1000, description="Database connections each server process keeps open.")
    db_max_overflow: int = Field(10, ge=0, le=1000, description="Extra connections a process may open at peaks.")
    db_wait_seconds: float = Field(
        10.0, ge=0, le=3600,
        description="How long a command waits for an unreachable database (one starting beside it) before failing.")
    db_pool_timeout_seconds: float = Field(
        10.0, gt=0, description="How long a request waits for a free connection before a 503 with Retry-After."
    )
    sign_in_attempts: int = Field(10, ge=1, description="Failed sign-ins per login, and per address, in a window.")
    sign_in_window_seconds: float = Field(300.0, gt=0, description="The window of `sign_in_attempts`.")
    page_limit_default: int = Field(50, gt=0)
    page_limit_max: int = Field(100_000, gt=0)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.workers > 1 and self.resolved_database_url.startswith("sqlite"):
            raise ValueError("CLIPCROWD_WORKERS > 1 needs PostgreSQL (set CLIPCROWD_DATABASE_URL)")
        return self

    @property
    def connections_per_process(self) -> int:
        return self.db_pool_size + self.db_max_overflow

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'clipcrowd.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return (self.home / "media").resolve()

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or str(self.media_dir)


@lru_cache
def get_settings() -> Settings:
    return Settings()

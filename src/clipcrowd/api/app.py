"""The ASGI application: routers under /api/v1 (and /api/staging for analytics), error bodies,
and a background loop for time-driven changes (expiry, auto-accept, pool expiry).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from clipcrowd import __version__
from clipcrowd.api import errors
from clipcrowd.api.routes import (
    aggregation,
    assets,
    assignments,
    attachments,
    cameras,
    jobs,
    operations,
    people,
    pools,
    projects,
    requester,
    skills,
    tasks,
    worker,
)
from clipcrowd.services import job_executor, maintenance
from clipcrowd.settings import Settings, get_settings
from clipcrowd.store.db import Database
from clipcrowd.web import install as install_web

log = logging.getLogger("clipcrowd")


async def _maintenance_loop(db: Database, interval: float, stop: asyncio.Event) -> None:
    """Tick until asked to stop; a tick in progress always finishes (it holds a connection)."""
    while not stop.is_set():
        try:
            await run_in_threadpool(maintenance.tick, db)
        except Exception:  # the loop must outlive one bad tick; the error is logged with its traceback
            log.exception("maintenance tick failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = db or Database(settings.resolved_database_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        loop = asyncio.create_task(_maintenance_loop(database, settings.maintenance_interval_seconds, stop))
        app.state.job_executor = await run_in_threadpool(job_executor.create, database, settings)
        try:
            yield
        finally:
            stop.set()
            await loop
            await run_in_threadpool(app.state.job_executor.stop)
            if db is None:
                database.dispose()

    app = FastAPI(title="clipcrowd", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.db = database
    errors.install(app)
    for module in (requester, projects, skills, pools, tasks, assignments, attachments, operations, people, worker,
                   aggregation, assets, jobs, cameras):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(operations.analytics_router, prefix="/api/staging")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    install_web(app)
    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` with several worker processes."""
    return create_app(get_settings())

"""The composition root: one ASGI application built from the JSON API (`api/`) and the pages
(`web/`), siblings that never import each other, plus the background loop for time-driven changes
(expiry, auto-accept, pool expiry) and the job executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from clipcrowd import __version__
from clipcrowd.api.app import include as include_api
from clipcrowd.api.app import install as install_api
from clipcrowd.api.errors import known_error
from clipcrowd.domain.errors import ClipcrowdError
from clipcrowd.http import security
from clipcrowd.services import job_executor, maintenance
from clipcrowd.settings import Settings, get_settings
from clipcrowd.store.db import Database
from clipcrowd.web import error_page
from clipcrowd.web import include as include_web
from clipcrowd.web import install as install_web

log = logging.getLogger("clipcrowd")


async def _maintenance_loop(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Tick until asked to stop; a tick in progress always finishes (it holds a connection)."""
    while not stop.is_set():
        try:
            await run_in_threadpool(maintenance.tick, db, storage_url=settings.resolved_storage_url)
        except Exception:  # the loop must outlive one bad tick; the error is logged with its traceback
            log.exception("maintenance tick failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.maintenance_interval_seconds)


@functools.cache
def routes() -> tuple[BaseRoute, ...]:
    """Every route of the API and the pages, included once per process and shared by every app built
    here. FastAPI prepares an included route (its parameters' validators, its response model) when a
    request first reaches it and keeps that on the included router, so apps built from the same
    routes prepare them once: ~70 ms of CPU per app otherwise, which a test run pays hundreds of
    times. The routes hold nothing of an app: they reach its database and settings through the request."""
    root = APIRouter()
    include_api(root)
    include_web(root)
    root.add_api_route("/healthz", _healthz, include_in_schema=False)
    return tuple(root.routes)


def _healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = db or Database.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        loop = asyncio.create_task(_maintenance_loop(database, settings, stop))
        app.state.job_executor = await run_in_threadpool(job_executor.create, database, settings)
        try:
            yield
        finally:
            stop.set()
            await loop
            await run_in_threadpool(app.state.job_executor.stop)
            if db is None:
                database.dispose()

    # /docs is a page of our own (web/api_docs.py): FastAPI's loads Swagger UI from a CDN
    app = FastAPI(title="clipcrowd", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  routes=list(routes()))
    app.state.settings = settings
    app.state.db = database
    security.install(app, settings)
    install_api(app)
    install_web(app)

    @app.exception_handler(ClipcrowdError)
    async def _known(request: Request, exc: ClipcrowdError) -> Response:
        """Pages answer their errors as a page; everything else gets the API's `{code, message, payload}`."""
        return error_page(request, exc) or known_error(exc)

    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` with several worker processes."""
    app = create_app(get_settings())
    freeze_start_up()
    return app


def freeze_start_up() -> None:
    """Call once per server process, when the app is built: what exists then (modules, routes, schemas,
    the engine) lives as long as the process, so it leaves the garbage collector's care. Otherwise
    every full collection walks it again, and a large export, whose chunks of parsed rows promote
    many objects, triggers dozens: 2-3x the CPU of the export itself on a 70,000-task pool. Not in
    `create_app`: a process that builds many apps (tests) would keep each one's garbage for good."""
    gc.collect()
    gc.freeze()

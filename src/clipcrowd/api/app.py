"""The JSON API: its routers under /api/v1 (and /api/staging for analytics and project checks,
/api/app/v0 for the refused app marketplace) and its error bodies.

`include(router)` adds the routes to the router `clipcrowd.server` builds once per process and
`install(app)` the error bodies to each application; adding a router is one line in `ROUTERS`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from clipcrowd.api import errors
from clipcrowd.api.routes import (
    aggregation,
    apps,
    assets,
    assignments,
    attachments,
    bonuses,
    cameras,
    exports,
    jobs,
    mining,
    operations,
    people,
    pool_copies,
    pools,
    projects,
    requester,
    skills,
    task_suites,
    tasks,
    trainings,
    user_metadata,
    webhooks,
    worker,
)

PREFIX = "/api/v1"
#: (router, prefix): every router of the API, in the order the spec lists them, except the worker's
#: first: a request is matched against the routes in this order, and the worker's next + submit are
#: the requests a server answers most (none of its paths, all under /worker/, meets another router's).
ROUTERS: list[tuple[APIRouter, str]] = [
    (worker.router, PREFIX),
    (requester.router, PREFIX),
    (projects.router, PREFIX),
    (skills.router, PREFIX),
    (pools.router, PREFIX),
    (pool_copies.router, PREFIX),
    (tasks.router, PREFIX),
    (task_suites.router, PREFIX),
    (assignments.router, PREFIX),
    (attachments.router, PREFIX),
    (operations.router, PREFIX),
    (people.router, PREFIX),
    (user_metadata.router, PREFIX),
    (bonuses.router, PREFIX),
    (trainings.router, PREFIX),
    (webhooks.router, PREFIX),
    (aggregation.router, PREFIX),
    (assets.router, PREFIX),
    (jobs.router, PREFIX),
    (exports.router, PREFIX),
    (mining.router, PREFIX),
    (cameras.router, PREFIX),
    (exports.dialect_router, "/api"),
    (operations.analytics_router, "/api/staging"),
    (projects.staging_router, "/api/staging"),
    (apps.router, "/api/app/v0"),
]


def include(root: APIRouter) -> None:
    for router, prefix in ROUTERS:
        root.include_router(router, prefix=prefix)


def install(app: FastAPI) -> None:
    errors.install(app)

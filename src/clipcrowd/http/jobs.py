"""Telling this server's job executor that a request just submitted work (other servers poll)."""

from __future__ import annotations

from starlette.requests import Request


def wake(request: Request) -> None:
    """A route submitted a job: let this server's executor see it now, without making the client wait
    for a worker to start."""
    executor = getattr(request.app.state, "job_executor", None)
    if executor is not None:
        executor.wake_soon()

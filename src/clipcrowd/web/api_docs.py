"""`/docs`: the API reference as a page of this server (no CDN: the server works offline).

FastAPI's own `/docs` loads Swagger UI's scripts and styles from a CDN, and no installed package
ships them, so clipcrowd renders the served OpenAPI spec (`/openapi.json`) with a small ES module
of its own instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from clipcrowd.web._session import render

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def api_docs(request: Request) -> Response:
    return render(request, "api_docs.html")

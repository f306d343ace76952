"""The desk's set-up pages: create and edit projects and pools, clone a pool, a project's page.

Every change goes through the service the API uses (`services.projects`, `services.pools`,
`services.pool_copies`); `web.desk_forms` turns the form into that body. A refusal re-renders the
form with the status the API would answer, the message next to the field, and what was typed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from clipcrowd.domain.errors import ClipcrowdError, ValidationFailed
from clipcrowd.domain.view import validate_view_spec
from clipcrowd.http import json_bounds
from clipcrowd.http.deps import object_id
from clipcrowd.services import listing, pool_copies, pools, projects
from clipcrowd.web import desk_forms, sanitize
from clipcrowd.web._session import PageRequester, render
from clipcrowd.web.desk_forms import FormInvalid

router = APIRouter(prefix="/desk", include_in_schema=False)


def _skills(request: Request) -> list[dict[str, Any]]:
    """Skills a filter may name (the first page: a pool filter names few)."""
    page = listing.skills_page(request.app.state.db, request.app.state.settings, {"limit": "300"})
    return [{"id": s["id"], "name": s.get("name") or s["id"]} for s in page["items"]]


async def _form(request: Request) -> dict[str, str]:
    async with request.form(max_files=0, max_fields=2000) as data:
        return desk_forms.read(data.multi_items())


def _view_problem(form: dict[str, str]) -> str | None:
    """The view config's fault, as the service would name it, for the preview (nothing is saved)."""
    try:
        body, _ = desk_forms.project_body(form)
        spec = body["task_spec"]
        if "view_spec" in spec:
            validate_view_spec(spec["view_spec"], spec["input_spec"], spec["output_spec"])
    except FormInvalid as exc:
        return exc.errors.get("view_config")
    except ClipcrowdError as exc:
        return exc.message
    return None


# ---- projects ---------------------------------------------------------------------------------------


def _project_form(request: Request, *, form: dict[str, str], errors: dict[str, str], project: Any = None,
                  status_code: int = 200, preview: bool = False, spare: int = 2) -> Response:
    return render(request, "desk/project_form.html", status_code=status_code, f=form, errors=errors, project=project,
                  in_rows=desk_forms.spec_rows(form, "in", spare), out_rows=desk_forms.spec_rows(form, "out", spare),
                  types=desk_forms.FIELD_TYPE_CHOICES,
                  instructions=sanitize.clean_html(form.get("public_instructions", "")) if preview else None)


@router.get("/projects/new")
def new_project(request: Request, _: PageRequester) -> Response:
    return _project_form(request, form={"out_required_0": "on"}, errors={})


@router.post("/projects/new")
async def create_project(request: Request, _: PageRequester) -> Response:
    return await _save_project(request, None)


@router.get("/projects/{project_id}")
def project_page(request: Request, _: PageRequester, project_id: str) -> Response:
    db, settings = request.app.state.db, request.app.state.settings
    project = projects.get(db, object_id(project_id, "project"))
    page = listing.pools_page(db, settings, {"project_id": project["id"], "limit": "300", "sort": "-id"})
    spec = project.get("task_spec") or {}
    config = (spec.get("view_spec") or {}).get("config")
    return render(request, "desk/project.html", project=project, pools=page["items"], more_pools=page["has_more"],
                  instructions=sanitize.clean_html(project.get("public_instructions") or ""),
                  config=config if isinstance(config, str) else json.dumps(config, indent=2) if config else "")


@router.get("/projects/{project_id}/edit")
def edit_project(request: Request, _: PageRequester, project_id: str) -> Response:
    project = projects.get(request.app.state.db, object_id(project_id, "project"))
    return _project_form(request, form=desk_forms.project_form(project), errors={}, project=project)


@router.post("/projects/{project_id}/edit")
async def update_project(request: Request, _: PageRequester, project_id: str) -> Response:
    return await _save_project(request, projects.get(request.app.state.db, object_id(project_id, "project")))


async def _save_project(request: Request, project: dict[str, Any] | None) -> Response:
    try:
        form = await _form(request)
    except FormInvalid as exc:
        return _project_form(request, form=exc.form, errors=exc.errors, project=project, status_code=400)
    action = form.get("action", "save")
    if action in ("preview", "more"):
        problem = _view_problem(form) if action == "preview" else None
        return _project_form(request, form=form, errors={"view_config": problem} if problem else {}, project=project,
                             preview=action == "preview", spare=5 if action == "more" else 2)
    db = request.app.state.db
    rows: dict[str, Any] = {}
    try:
        body, rows = desk_forms.project_body(form, project)
        saved = projects.replace(db, int(project["id"]), body) if project else projects.create(db, body)
    except FormInvalid as exc:
        return _project_form(request, form=form, errors=exc.errors, project=project, status_code=400)
    except ClipcrowdError as exc:
        return _project_form(request, form=form, errors=desk_forms.project_errors(exc, rows), project=project,
                             status_code=exc.status_code)
    return RedirectResponse(f"/desk/projects/{saved['id']}?message={quote('Project saved.')}", status_code=303)


@router.post("/preview/markdown")
async def preview_markdown(request: Request, _: PageRequester) -> Response:
    """The interface's markdown for the preview's made-up inputs, rendered and cleaned exactly as for a
    worker's task (`sanitize.markdown_for_tasks`); `{config: "<JSON text>", inputs: {...}}` in."""
    try:
        body = json_bounds.parse(await request.body(), max_text=request.app.state.settings.max_text_chars)
        if not isinstance(body, dict) or not isinstance(body.get("config"), str) or \
                not isinstance(body.get("inputs"), dict):
            raise ValidationFailed.field("body", "must be {config: a JSON text, inputs: an object}")
    except ClipcrowdError as exc:
        return JSONResponse(exc.body(), status_code=exc.status_code)
    try:
        config = json.loads(body["config"])
    except (json.JSONDecodeError, RecursionError):
        return JSONResponse({"markdown": {}})
    if not isinstance(config, dict):
        return JSONResponse({"markdown": {}})
    return JSONResponse({"markdown": sanitize.markdown_for_tasks(config, [body["inputs"]])[0]})


# ---- pools ------------------------------------------------------------------------------------------


def _pool_form(request: Request, *, form: dict[str, str], errors: dict[str, str], project: Any, pool: Any = None,
               status_code: int = 200, spare: int = 1) -> Response:
    return render(request, "desk/pool_form.html", status_code=status_code, f=form, errors=errors, project=project,
                  pool=pool, skills=_skills(request), skill_rows=desk_forms.row_numbers(form, "f_skill_", spare),
                  qc_rows=desk_forms.row_numbers(form, "qc_type_", spare), forms=desk_forms)


@router.get("/projects/{project_id}/pools/new")
def new_pool(request: Request, _: PageRequester, project_id: str) -> Response:
    project = projects.get(request.app.state.db, object_id(project_id, "project"))
    return _pool_form(request, form=desk_forms.new_pool_form(), errors={}, project=project)


@router.post("/projects/{project_id}/pools/new")
async def create_pool(request: Request, _: PageRequester, project_id: str) -> Response:
    project = projects.get(request.app.state.db, object_id(project_id, "project"))
    return await _save_pool(request, project, None)


@router.get("/pools/{pool_id}/edit")
def edit_pool(request: Request, _: PageRequester, pool_id: str) -> Response:
    """The pool's settings in the form (`?message=` is shown by the page, e.g. after a clone)."""
    db = request.app.state.db
    pool = pools.get(db, object_id(pool_id, "pool"))
    project = projects.get(db, int(pool["project_id"]))
    return _pool_form(request, form=desk_forms.pool_form(pool), errors={}, project=project, pool=pool)


@router.post("/pools/{pool_id}/edit")
async def update_pool(request: Request, _: PageRequester, pool_id: str) -> Response:
    db = request.app.state.db
    pool = pools.get(db, object_id(pool_id, "pool"))
    return await _save_pool(request, projects.get(db, int(pool["project_id"])), pool)


async def _save_pool(request: Request, project: dict[str, Any], pool: dict[str, Any] | None) -> Response:
    try:
        form = await _form(request)
    except FormInvalid as exc:
        return _pool_form(request, form=exc.form, errors=exc.errors, project=project, pool=pool, status_code=400)
    if form.get("action") == "more":
        return _pool_form(request, form=form, errors={}, project=project, pool=pool, spare=3)
    db = request.app.state.db
    sources: dict[str, Any] = {}
    try:
        body, sources = desk_forms.pool_body(form, project["id"], pool)
        saved = pools.replace(db, int(pool["id"]), body) if pool else pools.create(db, body)
    except FormInvalid as exc:
        return _pool_form(request, form=form, errors=exc.errors, project=project, pool=pool, status_code=400)
    except ClipcrowdError as exc:
        return _pool_form(request, form=form, errors=desk_forms.pool_errors(exc, sources), project=project, pool=pool,
                          status_code=exc.status_code)
    return RedirectResponse(f"/desk/pools/{saved['id']}?message={quote('Pool saved.')}", status_code=303)


@router.post("/pools/{pool_id}/clone")
def clone_pool(request: Request, _: PageRequester, pool_id: str) -> Response:
    """A closed copy of the settings (no tasks), opened in its edit form."""
    operation = pool_copies.clone(request.app.state.db, object_id(pool_id, "pool"))
    new_id = operation["details"]["pool_id"]
    message = quote(f"Copy of pool {int(pool_id)}: closed, with no tasks. Rename it and save.")
    return RedirectResponse(f"/desk/pools/{new_id}/edit?message={message}", status_code=303)

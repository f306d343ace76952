"""The bad-input corpus: each case a 4xx that names the field, nothing stored, every read still served.

Bodies, query strings, path ids, headers, forms and uploads; lone surrogates, NUL and control
characters, extreme and non-finite numbers, deep nesting, bodies over the cap. One live server per
database for the whole module (see conftest.py); after every case every stored row of every kind of
object is as it was (nothing added, changed or removed), and after the whole corpus the module's
reads all answer 200. The reads are not sent after every case: with the stored rows unchanged they
would get the same answers, and ~200 times 18 identical requests per database were most of this
module's time; a case that leaves the server itself broken still fails them at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.factories import pool_body
from tests.hardening.conftest import LIMITS, World, as_json, cookie, free_text_project, raw_json


@dataclass(frozen=True)
class Case:
    name: str
    role: str  # requester | ann | bob | none | desk (cookie) | page (no auth, same origin)
    method: str
    path: str  # {project}, {pool}, {assignment} are filled from the world
    field: str  # named in the message or the payload
    kwargs: dict[str, Any] = field(default_factory=dict)


BAD_TEXT = {"lone-high-surrogate": "x\ud800y", "lone-low-surrogate": "\udfff", "nul": "a\x00b", "soh": "\x01",
            "escape": "\x1b[31mred", "vertical-tab": "a\x0bb", "too-long": "x" * (LIMITS["max_text_chars"] + 1)}


def _text_bodies() -> list[Case]:
    """Each text field of each kind of object, with each kind of bad text."""
    cases = []
    for label, bad in BAD_TEXT.items():
        cases += [
            Case(f"project-name-{label}", "requester", "POST", "/api/v1/projects", "public_name",
                 as_json(free_text_project(public_name=bad))),
            Case(f"pool-name-{label}", "requester", "POST", "/api/v1/pools", "private_name",
                 as_json({**pool_body("{project}"), "private_name": bad})),
            Case(f"task-input-{label}", "requester", "POST", "/api/v1/tasks?allow_defaults=true",
                 "[0].input_values.text", as_json([{"pool_id": "{pool}", "input_values": {"text": bad}}])),
            Case(f"answer-{label}", "ann", "POST", "/api/v1/worker/assignments/{assignment}/submit",
                 "solutions[0].output_values.comment",
                 as_json({"solutions": [{"output_values": {"result": "a", "comment": bad}}]})),
            Case(f"worker-login-{label}", "requester", "POST", "/api/v1/workers", "login", as_json({"login": bad})),
            Case(f"skill-name-{label}", "requester", "POST", "/api/v1/skills", "name", as_json({"name": bad})),
        ]
    return cases


def _pool_text(name: str, value: str) -> str:
    """A pool body as JSON text with one field's raw token (`NaN`, `1e400`, ...) written verbatim."""
    body = {**pool_body("{project}")}
    path = name.split(".")
    target = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = "__RAW__"
    return json.dumps(body).replace('"__RAW__"', value)


def _numbers() -> list[Case]:
    values = {
        "reward_per_assignment": ["NaN", "Infinity", "-Infinity", "1e400", "1e308", "-1", '"1"', "true",
                                  str(10**30), str(2**63), "1" + "0" * 100],
        "assignment_max_duration_seconds": ["1e12", str(10**12), "0", "-5", str(2**63), "1.5", "NaN"],
        "defaults.default_overlap_for_new_task_suites": [str(2**63 - 1), str(2**63), "0", str(10**6), "-1"],
        "mixer_config.real_tasks_count": [str(10**9), "-1"],
        "auto_accept_period_day": [str(10**6), "-1"],
    }
    cases = [Case(f"pool-{name}-{i}-{raw[:12]}", "requester", "POST", "/api/v1/pools", name,
                  raw_json(_pool_text(name, raw))) for name, raws in values.items() for i, raw in enumerate(raws)]
    for raw in (str(2**63 - 1), "0", str(10**5), str(2**64), "1e400"):
        text = '[{"pool_id": "{pool}", "input_values": {"text": "x"}, "overlap": ' + raw + "}]"
        cases.append(Case(f"task-overlap-{raw[:12]}", "requester", "POST", "/api/v1/tasks", "overlap", raw_json(text)))
    return cases


def _nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


_ENDPOINTS = [("project", "requester", "/api/v1/projects"), ("pool", "requester", "/api/v1/pools"),
              ("tasks", "requester", "/api/v1/tasks"), ("worker", "requester", "/api/v1/workers"),
              ("answer", "ann", "/api/v1/worker/assignments/{assignment}/submit")]


def _structure() -> list[Case]:
    cases = []
    for label, role, path in _ENDPOINTS:
        cases += [
            Case(f"{label}-nested-100000", role, "POST", path, "body", raw_json(_nested(100_000))),
            Case(f"{label}-nested-100-in-field", role, "POST", path, "deep",
                 raw_json('{"deep": ' + _nested(100) + "}")),
            Case(f"{label}-malformed", role, "POST", path, "body", raw_json('{"public_name": ')),
            Case(f"{label}-not-utf8", role, "POST", path, "body",
                 {"content": b'{"x": "\xff\xfe"}', "headers": {"Content-Type": "application/json"}}),
            Case(f"{label}-surrogate-key", role, "POST", path, "key", raw_json('{"\\ud800": 1}')),
            Case(f"{label}-over-cap", role, "POST", path, "body",
                 as_json({"x": ["y" * 1000] * (LIMITS["max_json_bytes"] // 1000 + 10)})),
        ]
    chunks = [b'{"x": "' + b"y" * 50_000] * 5 + [b'"}']
    cases.append(Case("answer-over-cap-chunked", "ann", "POST", "/api/v1/worker/assignments/{assignment}/submit",
                      "body", {"content": chunks, "headers": {"Content-Type": "application/json"}}))
    cases.append(Case("project-empty-body", "requester", "POST", "/api/v1/projects", "body", raw_json("")))
    cases.append(Case("answer-number-5000-digits", "ann", "POST", "/api/v1/worker/assignments/{assignment}/submit",
                      "solutions[0].output_values.result",
                      raw_json('{"solutions": [{"output_values": {"result": ' + "9" * 5000 + "}}]}")))
    cases.append(Case("answer-int-2^63", "ann", "POST", "/api/v1/worker/assignments/{assignment}/submit",
                      "solutions[0].output_values.result",
                      raw_json('{"solutions": [{"output_values": {"result": ' + str(2**63) + "}}]}")))
    return cases


def _queries() -> list[Case]:
    tasks = "/api/v1/tasks?pool_id={pool}"
    q = [("/api/v1/tasks?pool_id=%C2%B2", "pool_id"), (tasks + "&limit=%C2%B2", "limit"),
         (tasks + "&limit=" + "9" * 5000, "limit"), (tasks + "&limit=-1", "limit"),
         (tasks + "&limit=0", "limit"), (tasks + "&limit=1.5", "limit"),
         ("/api/v1/assignments?id_gt=%D9%A1%D9%A2", "id_gt"), ("/api/v1/assignments?created_gt=garbage", "created_gt"),
         ("/api/v1/assignments?created_gt=0001-01-01T00:00:00%2B14:00", "created_gt"),
         ("/api/v1/assignments?sort=bogus", "sort"), ("/api/v1/assignments?status=%00", "status"),
         ("/api/v1/pools?project_id=99999999999999999999", "project_id"), ("/api/v1/projects?x=%FF", "x"),
         ("/api/v1/assignments?pool_id=%ED%A0%80", "pool_id"), (tasks + "&id_gt=%EF%BC%91", "id_gt"),
         ("/api/v1/attachments?assignment_id=%C2%B9", "assignment_id"), ("/api/v1/assets?project_id=abc", "project_id"),
         ("/api/v1/pools?%00=1", "query"), ("/api/v1/pools?x=" + "a" * 20_000, "query"),
         ("/api/v1/user-skills?user_id=%D9%A3", "user_id")]
    return [Case(f"query-{i}-{name}", "requester", "GET", path, name) for i, (path, name) in enumerate(q)]


def _path_ids() -> list[Case]:
    cases = []
    for kind, base in (("pool", "/api/v1/pools"), ("project", "/api/v1/projects"), ("task", "/api/v1/tasks"),
                       ("assignment", "/api/v1/assignments"), ("attachment", "/api/v1/attachments"),
                       ("skill", "/api/v1/skills")):
        for label, raw in (("superscript", "%C2%B2"), ("arabic-indic", "%D9%A1%D9%A2"), ("30-digits", "1" * 30),
                           ("negative", "-1"), ("exponent", "1e3")):
            cases.append(Case(f"path-{kind}-{label}", "requester", "GET", f"{base}/{raw}", kind))
        cases.append(Case(f"path-{kind}-nul", "requester", "GET", f"{base}/%00", "path"))
        cases.append(Case(f"path-{kind}-surrogate", "requester", "GET", f"{base}/%ED%A0%80", "path"))
    cases += [Case("worker-next-superscript", "ann", "POST", "/api/v1/worker/pools/%C2%B3/next", "pool"),
              Case("worker-assignment-arabic", "ann", "GET", "/api/v1/worker/assignments/%D9%A1", "assignment"),
              Case("asset-media-superscript", "requester", "GET", "/api/v1/assets/%C2%B2/media", "asset"),
              Case("asset-frame-superscript", "requester", "GET", "/api/v1/assets/1/frames/%C2%B2", "asset")]
    return cases


def _headers() -> list[Case]:
    evil = {"Origin": "http://evil.example"}
    projects = "/api/v1/projects"
    return [
        Case("auth-basic", "none", "GET", projects, "Authorization", {"headers": {"Authorization": "Basic eDp5"}}),
        Case("auth-no-token", "none", "GET", projects, "Authorization", {"headers": {"Authorization": "OAuth"}}),
        Case("auth-unknown-scheme", "none", "GET", projects, "Authorization",
             {"headers": {"Authorization": "Token abc"}}),
        Case("auth-wrong-token", "none", "GET", projects, "token", {"headers": {"Authorization": "OAuth nope"}}),
        Case("cookie-foreign-origin", "desk", "POST", "/desk/pools/{pool}/close", "Origin", {"headers": evil}),
        Case("cookie-no-origin", "desk", "POST", "/desk/pools/{pool}/close", "Origin", {}),
        Case("cookie-api-foreign-origin", "desk", "POST", "/api/v1/projects", "Origin",
             {**as_json(free_text_project()), "headers": {**evil, "Content-Type": "application/json"}}),
        Case("cookie-api-text-plain", "desk", "POST", "/api/v1/projects", "Content-Type",
             {"content": json.dumps(free_text_project()).encode(), "headers": {"Content-Type": "text/plain"}}),
        Case("cookie-api-form", "desk", "POST", "/api/v1/pools/{pool}/close", "Content-Type",
             {"content": b"a=b", "headers": FORM}),
        Case("sign-in-foreign-origin", "page", "POST", "/w/sign-in", "Origin",
             {"data": {"login": "ann", "password": "password123"}, "headers": evil}),
        Case("json-type-form-body", "requester", "POST", "/api/v1/projects", "body",
             {"content": b"public_name=x", "headers": {"Content-Type": "application/json"}}),
    ]


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _forms() -> list[Case]:
    return [
        Case("form-login-nul", "page", "POST", "/w/sign-in", "login", {"content": b"login=a%00b&password=x",
             "headers": FORM}),
        Case("form-password-control", "page", "POST", "/w/sign-in", "password",
             {"content": b"login=ann&password=%1B%5B", "headers": FORM}),
        Case("form-not-utf8", "page", "POST", "/desk/sign-in", "token",
             {"content": b"token=%FF%FE", "headers": FORM}),
        Case("form-invite-languages-nul", "desk", "POST", "/desk/pools/{pool}/invites", "languages",
             {"content": b"client_type=BROWSER&languages=EN%00", "headers": FORM}),
    ]


def _uploads() -> list[Case]:
    upload = "/api/v1/worker/assignments/{assignment}/attachments"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    html = b"<html><script>alert(1)</script></html>"
    return [
        Case("upload-name-nul", "ann", "POST", upload + "?name=a%00b.mp4", "name",
             {"content": b"x", "headers": {"Content-Type": "video/mp4"}}),
        Case("upload-name-surrogate", "ann", "POST", upload + "?name=%ED%A0%80.mp4", "name",
             {"content": b"x", "headers": {"Content-Type": "video/mp4"}}),
        Case("upload-empty", "ann", "POST", upload + "?name=e.mp4", "file",
             {"content": b"", "headers": {"Content-Type": "video/mp4"}}),
        Case("upload-too-large", "ann", "POST", upload + "?name=big.mp4", "file",
             {"content": b"0" * (LIMITS["max_upload_bytes"] + 1), "headers": {"Content-Type": "video/mp4"}}),
        Case("upload-svg-as-image", "ann", "POST", upload + "?name=x.svg", "file",
             {"content": svg, "headers": {"Content-Type": "image/svg+xml"}}),
        Case("upload-html-as-video", "ann", "POST", upload + "?name=x.mp4", "file",
             {"content": html, "headers": {"Content-Type": "video/mp4"}}),
        Case("upload-garbage-as-audio", "ann", "POST", upload + "?name=x.wav", "file",
             {"content": b"RIFF\x00\x00\x00\x00WAVEjunk" * 10, "headers": {"Content-Type": "audio/wav"}}),
        Case("asset-upload-no-project", "requester", "POST", "/api/v1/assets/uploads?name=x.mp4", "project_id",
             {"content": b"x", "headers": {"Content-Type": "video/mp4"}}),
        Case("asset-upload-project-superscript", "requester", "POST", "/api/v1/assets/uploads?project_id=%C2%B2",
             "project", {"content": b"x", "headers": {"Content-Type": "video/mp4"}}),
    ]


CASES = _text_bodies() + _numbers() + _structure() + _queries() + _path_ids() + _headers() + _forms() + _uploads()


def test_the_corpus_is_large_and_distinct() -> None:
    assert len(CASES) >= 150 and len({c.name for c in CASES}) == len(CASES)


def _fill(value: Any, world: World) -> Any:
    names = {"{project}": world.project_id, "{pool}": world.pool_id, "{assignment}": world.assignment_id}
    if isinstance(value, str):
        for key, real in names.items():
            value = value.replace(key, real)
        return value
    if isinstance(value, bytes):
        for key, real in names.items():
            value = value.replace(key.encode(), real.encode())
        return value
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def send(world: World, case: Case) -> Any:
    kwargs = _fill(case.kwargs, world)
    headers = dict(kwargs.pop("headers", {}))
    if case.role == "requester":
        headers.setdefault("Authorization", world.requester["Authorization"])
    elif case.role in ("ann", "bob"):
        headers.setdefault("Authorization", getattr(world, case.role)["Authorization"])
    elif case.role == "desk":
        headers.update(cookie(world.live.token))
        if case.field not in ("Origin",):
            headers.setdefault("Origin", world.live.url)
    elif case.role == "page":
        headers.setdefault("Origin", world.live.url)
    if isinstance(kwargs.get("content"), list):
        kwargs["content"] = iter(kwargs["content"])  # sent chunked: no Content-Length
    url = world.live.url + _fill(case.path, world)
    return world.http.request(case.method, url, headers=headers, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_by_name_and_breaks_nothing(world: World, case: Case) -> None:
    before = world.stored()
    response = send(world, case)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    text = response.text
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        assert set(body) >= {"code", "message", "payload"}, body
        named = case.field in body["message"] or case.field in json.dumps(body["payload"] or {})
    else:  # a page: the form's error is shown on it
        named = case.field in text
    assert named, (case.field, text[:500])
    assert world.stored() == before


def test_reads_work_after_the_corpus(world: World) -> None:
    """Runs after every case of its database (module order; under xdist one worker holds the module's
    world): what the corpus sent left every read of the module working."""
    world.assert_reads_work()

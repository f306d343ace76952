"""A small pool answered through the worker API, for the aggregation tests of the API, the desk and
the quality rules: six tasks with overlap 3 (plus, on request, one golden task), four workers who
take suites in turns; ann, bob and dan answer the truth, cat always says "b"."""

from __future__ import annotations

from typing import Any

from tests.apiclient import Api, add_tasks, make_pool, worker

TRUTH = ["a", "b", "a", "a", "b", "a"]
LOGINS = ("ann", "bob", "cat", "dan")


def answer(login: str, task_index: int, golden: bool) -> str:
    if golden:
        return "a"  # everybody gets the golden task wrong: only gold can say "b"
    return "b" if login == "cat" else TRUTH[task_index]


def answered_pool(api: Api, *, golden: bool = False, **pool_fields: Any) -> dict[str, Any]:
    """The pool plus `task_ids` (in TRUTH's order), `gold_ids` and `workers` (login -> user id)."""
    mixer = {"real_tasks_count": 1, "golden_tasks_count": 1 if golden else 0, "training_tasks_count": 0}
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 3}, mixer_config=mixer, **pool_fields)
    made = add_tasks(api, pool["id"], len(TRUTH))
    # workers see tasks under ids of their suite, so the crowd tells tasks apart by their text
    index = {t["input_values"]["text"]: i for i, t in enumerate(made)}
    gold_ids: set[str] = set()
    if golden:
        gold = add_tasks(api, pool["id"], 1, input_values={"text": "gold"},
                         known_solutions=[{"output_values": {"result": "b"}}])
        gold_ids = {gold[0]["id"]}
    api.call("POST", f"/api/v1/pools/{pool['id']}/open", expect=202)
    people = {login: worker(api, login) for login in LOGINS}
    busy = True
    while busy:
        busy = False
        for login, person in people.items():
            suite = api.call("POST", f"/api/v1/worker/pools/{pool['id']}/next", headers=person["headers"])
            if suite.status_code == 409:
                continue
            busy = True
            solutions = [{"output_values": {"result": answer(login, index.get(t["input_values"]["text"], -1),
                                                             t["input_values"]["text"] == "gold")}}
                         for t in suite.json()["tasks"]]
            api.ok("POST", f"/api/v1/worker/assignments/{suite.json()['id']}/submit", headers=person["headers"],
                   json={"solutions": solutions})
    return {**pool, "task_ids": [t["id"] for t in made], "gold_ids": gold_ids,
            "workers": {login: person["id"] for login, person in people.items()}}

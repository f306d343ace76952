"""A small answered pool for the desk's aggregation tests: four workers, one of whom always says "b"."""

from __future__ import annotations

from typing import Any

from tests.apiclient import Api, add_tasks, make_pool, worker

TRUTH = ["a", "b", "a", "a", "b", "a"]
LOGINS = ("ann", "bob", "cat", "dan")  # ann, bob and dan answer the truth; cat always says "b"


def answered_pool(api: Api, **pool_fields: Any) -> dict[str, Any]:
    """Six tasks with overlap 3, answered through the worker API by the four workers in turns.

    Returns the pool plus `task_ids` (in TRUTH's order) and `workers` (login -> user id).
    """
    pool = make_pool(api, defaults={"default_overlap_for_new_task_suites": 3}, **pool_fields)
    made = add_tasks(api, pool["id"], len(TRUTH))
    index = {t["id"]: i for i, t in enumerate(made)}
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
            solutions = [{"output_values": {"result": "b" if login == "cat" else TRUTH[index[t["id"]]]}}
                         for t in suite.json()["tasks"]]
            api.ok("POST", f"/api/v1/worker/assignments/{suite.json()['id']}/submit", headers=person["headers"],
                   json={"solutions": solutions})
    return {**pool, "task_ids": [t["id"] for t in made], "workers": {k: v["id"] for k, v in people.items()}}

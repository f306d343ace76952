"""Hooks written the way legacy importer users wrote them: module functions, keyword host/port,
``db[key] = row; db.sync()``, the ``importer`` object; every call is also logged to a JSON-lines file."""

import hashlib
import json
import os
import urllib.parse
import urllib.request

hook_data = {}
state = {}


def _log(*entry):
    with open(os.environ["LEGACY_HOOKS_LOG"], "a") as out:
        out.write(json.dumps(entry, default=str) + "\n")


def _call(method, host, port, path, body=None, params=None, raw=None):
    url = "http://%s:%s%s" % (host, port or 8080, path)
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", "OAuth " + os.environ["CLIPCROWD_TOKEN"])
    request.add_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read().decode())


def set_hook_data(data):
    _log("set_hook_data", sorted(data))
    hook_data.update(data)


def register_camera(camera_name, port=None, host=None):
    _log("register_camera", camera_name, host, port)
    answer = _call("POST", host, port, "/api/v1/cameras", {"name": camera_name})
    return {"camera_id": answer["camera_id"], "name": camera_name}


def assign_job_ids(importer, db, unscheduled):
    _log("assign_job_ids", [row["filename"] for row in unscheduled], type(importer.args).__name__,
         sorted(importer.cameras))
    request = {"item_count": len(unscheduled), "item_average_size_bytes": 1,
               "cameras": [{"name": name} for name in sorted(importer.cameras)],
               "earliest_date": min(r["timestamp"] for r in unscheduled),
               "latest_date": max(r["timestamp"] for r in unscheduled)}
    job = _call("PUT", importer.args.host, importer.args.port, "/api/v1/camera-imports", request)
    for row in unscheduled:
        row["job_id"] = job["job_id"]
        row["shard_id"] = "0"
        db[row["key"]] = row
        db.sync()
    state["job_id"] = job["job_id"]
    return job["job_id"]


def post_video_content(camera_name, camera_id, filepath, timestamp, location=None, host=None, port=None):
    _log("post_video_content", camera_name, camera_id, os.path.basename(filepath), timestamp, location, host, port)
    with open(filepath, "rb") as src:
        content = src.read()
    answer = _call("POST", host, port, "/api/v1/camera-imports/%s/content" % state["job_id"], raw=content,
                   params={"shard_id": "0", "camera_id": camera_id, "hash": hashlib.sha1(content).hexdigest(),
                           "timestamp": timestamp, "filename": os.path.basename(filepath)})
    return answer["status"] in ("created", "duplicate")


def register_jobs(importer, db, jobs):
    _log("register_jobs", sorted(jobs), len(db.keys()))
    return True

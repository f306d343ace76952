"""The built-in server hooks, except that the run blocks right after post number ``CAMERA_TEST_BLOCK_AFTER``
returned (the server has the file, the state does not know yet) and touches ``CAMERA_TEST_SIGNAL``."""

import os
import threading

from clipcrowd.ingest.camera.client import Server
from clipcrowd.ingest.camera.server_hooks import ServerHooks

_hooks = ServerHooks(Server(os.environ["CLIPCROWD_URL"], os.environ["CLIPCROWD_TOKEN"]))
_posted = [0]

bind = _hooks.bind
set_hook_data = _hooks.set_hook_data
register_camera = _hooks.register_camera
assign_job_ids = _hooks.assign_job_ids
register_jobs = _hooks.register_jobs


def post_video_content(camera_name, camera_id, filepath, timestamp, location=None, host=None, port=None):
    ok = _hooks.post_video_content(camera_name, camera_id, filepath, timestamp, location=location, host=host,
                                   port=port)
    _posted[0] += 1
    if _posted[0] >= int(os.environ["CAMERA_TEST_BLOCK_AFTER"]):
        with open(os.environ["CAMERA_TEST_SIGNAL"], "w") as out:
            out.write(str(os.getpid()))
        threading.Event().wait()  # until the test kills this process
    return ok

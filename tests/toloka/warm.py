"""Runs seed scripts, unchanged, in forks of one process that has already imported toloka-kit.

Importing toloka-kit (and with it pandas, scipy and crowd-kit) costs seconds of CPU; the seed tests
run four scripts, so the import is paid once here. Runs in toloka-kit's virtualenv.

Protocol, one JSON object a line: stdin gets `{"script", "args", "cwd", "env", "log", "errors"}`,
stdout answers `{"returncode"}` when the script has ended; its output went to the file `log`, its
errors to the file `errors` (to `log` too when there is none; "args" may be left out).
"""

import json
import os
import runpy
import sys
import traceback

import pandas  # noqa: F401  (the slow imports, done once)
import toloka.client
import toloka.client.project.template_builder  # noqa: F401


def run(job):
    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    out = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.dup2(os.open(job["errors"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if job.get("errors") else out, 2)
    sys.argv = [job["script"], *job.get("args", [])]
    code = 0
    try:
        runpy.run_path(job["script"], run_name="__main__")
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # reported as the interpreter would, with exit status 1
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main():
    answers = sys.stdout
    for line in sys.stdin:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run(job)
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")
        answers.flush()
    os._exit(0)  # nothing left to write; skips tearing down the imported modules (seconds of CPU)


if __name__ == "__main__":
    main()

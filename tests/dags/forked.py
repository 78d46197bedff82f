"""Checks that need an interpreter of their own (what a DAG file imports, how Airflow's
components parse the folder), several in one: a fresh interpreter imports what every
check needs once, then each check runs in a child forked from it, so no check sees the
modules, ``sys.path`` or environment another one left. A check's code runs in a scope
of its own: it imports what it uses (at no cost where the preamble imported it). One
interpreter instead of one per check saves Python's and Airflow's start (about 2.5 s of
CPU each).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.conftest import ROOT

_FORK_EACH = """
import json, os, traceback
results = {}
for name, code in json.loads(CHECKS).items():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the check, send back its `result` or its traceback
        os.close(read)
        scope = {}
        try:
            exec(code, scope)
            answer = {"result": scope["result"]}
        except BaseException:
            answer = {"error": traceback.format_exc()}
        with os.fdopen(write, "w") as stream:
            json.dump(answer, stream)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as stream:
        sent = stream.read()
    os.waitpid(pid, 0)
    results[name] = json.loads(sent) if sent else {"error": "the child sent nothing"}
print(json.dumps(results))
"""


def run_forked(preamble: str, checks: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Run ``preamble`` in a fresh interpreter (in the project root), then each of
    ``checks`` (code that sets ``result`` to something JSON can carry) in a child forked
    from it; by check, ``{"result": ...}`` or ``{"error": traceback}`` (read with
    `result_of`)."""
    script = f"{preamble}\nCHECKS = {json.dumps(checks)!r}\n{_FORK_EACH}"
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    answers: dict[str, dict[str, Any]] = json.loads(finished.stdout.strip().splitlines()[-1])
    return answers


def result_of(answer: dict[str, Any]) -> Any:
    """A check's result; a check that raised fails the test with its traceback."""
    assert "error" not in answer, answer["error"][-3000:]
    return answer["result"]

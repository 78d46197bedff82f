"""The Celery cluster of ``examples/cluster/cluster.sh``, driven from a test.

`CeleryCluster` runs the script itself (``up``, ``down``) in a folder, database, Redis
database and ports of its own, then talks to the API server's REST API as the UI does:
a token from the simple auth manager's ``/auth/token``, then ``/api/v2``. Stopping never
relies on the script alone: every component's process group named in a pid file is killed
afterwards, so a failed or hung ``up`` leaves nothing running. One component can be killed
(`CeleryCluster.kill`, as when its machine goes away) and started again
(`CeleryCluster.start`, with the script's settings, as a supervisor would restart it).

The cluster tier (marker ``cluster``) shares one such cluster for the whole session
(``tests/integration/conftest.py``): `LocalizeRun` is the one ``localize_catalog`` run of
DE and FR it makes, during which ``worker-a`` is killed; the Celery test reads what the run
left, the triggerer test delivers the feeds it published.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from tests.s3_server import S3Bucket

from tests.conftest import ROOT

SCRIPT = ROOT / "examples" / "cluster" / "cluster.sh"
COMPONENTS = ("scheduler", "dag-processor", "triggerer", "api-server", "worker-a", "worker-b")
WORKERS = ("worker-a", "worker-b")
COMMANDS = {
    "scheduler": ("airflow", "scheduler"),
    "dag-processor": ("airflow", "dag-processor"),
    "triggerer": ("airflow", "triggerer"),
    "api-server": ("airflow", "api-server"),
}
"""How `CeleryCluster.start` starts a component again (as ``cluster.sh up`` does)."""
POLL_SECONDS = 0.5
"""Between two reads of a run's or task's state through the REST API."""

MARKETS = ["DE", "FR"]
RUN = "2026-11-24"
"""The run day of the session's one localize_catalog run on the cluster."""
SHARD_PRODUCTS = 25
"""72 products in 3 shards: enough mapped tasks for both workers to get some."""
SHARDS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class CeleryCluster:
    """One cluster in ``directory``; ``environment`` is what every component gets."""

    def __init__(self, directory: Path, environment: Mapping[str, str]) -> None:
        self.directory = directory
        self.api_port = free_port()
        self.environment = {
            **environment,
            "GRENZENLOS_CLUSTER_DIR": str(directory),
            "GRENZENLOS_CLUSTER_API_PORT": str(self.api_port),
            "GRENZENLOS_CLUSTER_LOG_PORTS": f"{free_port()} {free_port()} {free_port()}",
        }
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        self._token = ""
        self._started: dict[str, subprocess.Popen[bytes]] = {}
        """Components `start` started (this process reaps them)."""

    def _script(self, command: str, timeout: float) -> subprocess.CompletedProcess[str]:
        # Its own session, so a timeout can end the script with whatever it runs.
        process = subprocess.Popen(
            ["bash", str(SCRIPT), command],
            env=self.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            output += f"\n(killed after {timeout:.0f} s)"
        return subprocess.CompletedProcess(process.args, process.returncode, output, None)

    def up(self, timeout: float = 150) -> None:
        result = self._script("up", timeout)
        if result.returncode != 0:
            raise RuntimeError(f"cluster.sh up failed:\n{result.stdout}\n{self.log_tails()}")

    def down(self) -> None:
        """``cluster.sh down``, then SIGKILL to every process group it may have missed."""
        pids = self._pids()
        try:
            self._script("down", timeout=60)
        finally:
            for pid in pids:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self._reap()

    def _reap(self, *names: str) -> None:
        """Collect the exit of the components `start` started (a killed child of this
        process stays a zombie in its process group until then)."""
        for name in names or list(self._started):
            process = self._started.pop(name, None)
            if process is not None:
                process.kill()
                process.wait(timeout=30)

    def _pids(self) -> list[int]:
        pids = []
        for name in COMPONENTS:
            pid_file = self.directory / "run" / f"{name}.pid"
            if pid_file.exists() and pid_file.read_text().strip():
                pids.append(int(pid_file.read_text()))
        return pids

    def kill(self, name: str) -> None:
        """kill -9 a component: its process group and every process below it (a task's
        process or the triggerer's trigger runner may start a session of its own), as
        when its machine goes away."""
        import psutil

        pid = int((self.directory / "run" / f"{name}.pid").read_text())
        below = psutil.Process(pid).children(recursive=True)
        os.killpg(pid, signal.SIGKILL)
        for process in below:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self._reap(name)

    kill_worker = kill

    def start(self, name: str) -> int:
        """Start a component (``COMMANDS``) with the cluster's settings (``cluster.sh
        run``), in a process group of its own, its log and pid file where ``up`` keeps
        them (the previous log moved to ``<name>.log.1``); its pid."""
        log = self.directory / "logs" / f"{name}.log"
        if log.exists():
            log.replace(log.with_name(f"{name}.log.1"))
        with log.open("wb") as output:
            process = subprocess.Popen(
                ["bash", str(SCRIPT), "run", *COMMANDS[name]],
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # ``run`` execs the command: the pid is the component's, and its process group.
        (self.directory / "run" / f"{name}.pid").write_text(f"{process.pid}\n")
        self._started[name] = process
        return process.pid

    def run(self, *command: str, timeout: float = 120) -> str:
        """``command`` with the cluster's settings (``cluster.sh run``); its output.
        Raises when it fails."""
        process = subprocess.run(
            ["bash", str(SCRIPT), "run", *command],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{process.stdout}{process.stderr}")
        return process.stdout

    def active_celery_tasks(self, workers: int) -> dict[str, list[dict[str, Any]]]:
        """What each Celery worker runs right now, by worker (Celery's ``inspect
        active``, through the broker, with the executor's own Celery app): the answers
        of ``workers`` workers, or those that came within 15 s."""
        code = (
            "import json\n"
            "from airflow.providers.celery.executors.celery_executor_utils import app\n"
            f"inspect = app.control.inspect(timeout=15, limit={int(workers)})\n"
            "print(json.dumps(inspect.active() or {}))\n"
        )
        output = self.run("python", "-c", code)
        active: dict[str, list[dict[str, Any]]] = json.loads(output.strip().splitlines()[-1])
        return active

    def running(self) -> list[int]:
        """Process groups of the components that are still alive."""
        alive = []
        for pid in self._pids():
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                continue
            alive.append(pid)
        return alive

    def log_tails(self, lines: int = 15) -> str:
        """The end of every component's log, for a failure message."""
        parts = []
        for name in COMPONENTS:
            log = self.directory / "logs" / f"{name}.log"
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {log}\n" + "\n".join(tail))
        return "\n".join(parts)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call to the REST API (``/api/v2`` + path), authenticated as admin."""
        if not self._token:
            self._token = self._login()
        request = urllib.request.Request(
            f"{self.base_url}/api/v2{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def _login(self) -> str:
        # The simple auth manager writes the generated password when the API server starts.
        passwords = self.directory / "airflow" / "simple_auth_manager_passwords.json.generated"
        password = json.loads(passwords.read_text())["admin"]
        request = urllib.request.Request(
            f"{self.base_url}/auth/token",
            method="POST",
            data=json.dumps({"username": "admin", "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            token: str = json.load(response)["access_token"]
            return token

    def run_url(self, dag_id: str, run_id: str) -> str:
        return f"/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}"

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        """Poll the run until it finishes; its final state (or the last one seen)."""
        deadline = time.monotonic() + timeout
        state = "unknown"
        while time.monotonic() < deadline:
            state = self.api("GET", self.run_url(dag_id, run_id))["state"]
            if state in ("success", "failed"):
                return str(state)
            time.sleep(POLL_SECONDS)
        return str(state)

    def trigger(self, dag_id: str, conf: dict[str, Any], logical_date: str | None) -> str:
        """``dag_id`` unpaused and run by hand with ``conf``; the run id."""
        self.api("PATCH", f"/dags/{dag_id}", {"is_paused": False})
        run = self.api(
            "POST", f"/dags/{dag_id}/dagRuns", {"logical_date": logical_date, "conf": conf}
        )
        return str(run["dag_run_id"])

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of the run, as the UI lists them."""
        url = f"{self.run_url(dag_id, run_id)}/taskInstances?limit=500"
        found: list[dict[str, Any]] = self.api("GET", url)["task_instances"]
        return found

    def kill_in_task(
        self, name: str, dag_id: str, run_id: str, task_id: str
    ) -> tuple[str, int] | None:
        """`kill` the worker ``name`` as soon as it runs a ``task_id`` task of the run;
        that task's (id, map index), or None when it ran none within three minutes or
        before the run ended."""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            for ti in self.task_instances(dag_id, run_id):
                if ti["state"] == "running" and ti["hostname"] == name and ti["task_id"] == task_id:
                    self.kill(name)
                    return (ti["task_id"], ti["map_index"])
            if self.api("GET", self.run_url(dag_id, run_id))["state"] in ("success", "failed"):
                return None
            time.sleep(0.3)
        return None


class PublishedObjects:
    """What was under a bucket's prefix at one moment, read with boto3 (`S3Bucket`), with
    the bucket's ``keys``/``read``: the session's later runs (a delivery writes its
    answers into the publishing run's findings) do not change what a test reads here."""

    def __init__(self, bucket: S3Bucket, prefix: str) -> None:
        self._objects = {key: bucket.read(key) for key in bucket.keys(prefix)}

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(key for key in self._objects if key.startswith(prefix))

    def read(self, key: str) -> bytes:
        return self._objects[key]


@dataclass(frozen=True)
class LocalizeRun:
    """The session's one localize_catalog run on the cluster, and what was done to it."""

    run_id: str
    state: str
    instances: list[dict[str, Any]]
    killed: tuple[str, int] | None
    """The task instance ``worker-a`` ran when it was killed (None: it ran none)."""
    published: PublishedObjects
    """The bucket's ``output/`` as the run left it."""
    reference: Path
    """The output folder of the same run through the steps on the local disk."""

    @property
    def workers_left(self) -> tuple[str, ...]:
        """The workers still running after the run (the killed one is not restarted)."""
        return WORKERS[1:] if self.killed else WORKERS

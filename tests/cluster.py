"""The Celery cluster of ``examples/cluster/cluster.sh``, driven from a test.

`CeleryCluster` runs the script itself (``up``, ``down``) in a folder, database, Redis
database and ports of its own, then talks to the API server's REST API as the UI does:
a token from the simple auth manager's ``/auth/token``, then ``/api/v2``. Stopping never
relies on the script alone: every component's process group named in a pid file is killed
afterwards, so a failed or hung ``up`` leaves nothing running. One component can be killed
(`CeleryCluster.kill`, as when its machine goes away) and started again
(`CeleryCluster.start`, with the script's settings, as a supervisor would restart it).
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

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
            time.sleep(2)
        return str(state)

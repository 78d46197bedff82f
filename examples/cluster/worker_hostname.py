"""The host name a Celery worker of the local cluster reports for its task instances.

Airflow records on every task instance the host that ran it, from ``[core]
hostname_callable`` (by default the machine's FQDN). The two workers that
``examples/cluster/cluster.sh`` starts share one machine, so the cluster points that
setting at this function and gives each worker its own ``GRENZENLOS_WORKER_HOSTNAME``
(``worker-a``, ``worker-b``). On real machines, one worker per host, leave the default.

These names do not resolve: the API server shows a finished task's log from the shared
log folder, but cannot stream a running task's log from the worker's log server.
"""

from __future__ import annotations

import os
import socket


def worker_hostname() -> str:
    """``GRENZENLOS_WORKER_HOSTNAME``, else this machine's fully qualified name."""
    return os.environ.get("GRENZENLOS_WORKER_HOSTNAME") or socket.getfqdn()

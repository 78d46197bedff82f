"""Which configuration file is read: ``GRENZENLOS_CONFIG``, else the project's own.

The DAGs (`grenzenlos_airflow.run`), the run report's Airflow plugin and the onboarding
check (`pipeline.onboarding`) all read it from here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "markets.toml"
"""The project's configuration, read when ``GRENZENLOS_CONFIG`` is not set.

A file of the source tree, not package data: its paths lead to the catalog and the
output folders beside it. An installed package has none, so ``GRENZENLOS_CONFIG`` (or the
onboarding check's ``--config``) names one."""


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    """The configuration file: ``GRENZENLOS_CONFIG``, else `DEFAULT_CONFIG`.

    >>> config_path({"GRENZENLOS_CONFIG": "/etc/grenzenlos.toml"}).as_posix()
    '/etc/grenzenlos.toml'
    >>> config_path({}) == DEFAULT_CONFIG
    True
    """
    return Path(env.get("GRENZENLOS_CONFIG") or DEFAULT_CONFIG)

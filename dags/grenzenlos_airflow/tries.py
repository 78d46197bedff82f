"""How a task's try ends: recorded for the run report (`recorded`), and failed at once
when no retry can heal it (`fail_fast`). Both wrap a ``@task`` function, inside
``@task``."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from airflow.sdk import get_current_context
from airflow.sdk.exceptions import AirflowFailException

from grenzenlos_airflow.run import pipeline_config, run_dir

if TYPE_CHECKING:
    from collections.abc import Callable

P = ParamSpec("P")
R = TypeVar("R")


def fail_fast(step: Callable[P, R]) -> Callable[P, R]:
    """Let Airflow retry only what can heal (network, database, object storage); any
    other error (bad data, bad config, a bug) fails the task at once, with its reason."""

    @functools.wraps(step)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from transforms.infra.faults import heals_by_retry

        try:
            return step(*args, **kwargs)
        except AirflowFailException:
            raise
        except Exception as error:
            if heals_by_retry(error):
                raise
            raise AirflowFailException(f"{type(error).__name__}: {error}") from error

    return run


def recorded(step: Callable[P, R]) -> Callable[P, R]:
    """Record the task's try for the run report and tell its log what the task did
    (`pipeline.task_try`)."""

    @functools.wraps(step)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from pipeline.task_try import TaskTry

        context = get_current_context()
        ti = context["ti"]
        attempt = TaskTry(
            ti.task_id, ti.map_index, ti.try_number, lambda: run_dir(pipeline_config())
        )
        try:
            result = step(*args, **kwargs)
        except Exception as error:
            # fail_fast has already put the original error's type in the message.
            text = str(error) if isinstance(error, AirflowFailException) else None
            label = context.get("label")  # type: ignore[misc]
            attempt.failed(text or f"{type(error).__name__}: {error}", label)
            raise
        attempt.succeeded(result, context.get("label"))  # type: ignore[misc]
        return result

    return run

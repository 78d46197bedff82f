"""The run report inside the Airflow UI: an Airflow plugin (Airflow 3.1+) that serves each
``localize_catalog`` run's ``report.html`` and the runs' index from the pipeline's output,
behind Airflow's own authentication.

Airflow imports this module from its plugins folder (``[core] plugins_folder``, i.e.
``AIRFLOW__CORE__PLUGINS_FOLDER`` pointing at this ``plugins/`` folder). The API server
mounts the FastAPI app below at ``/grenzenlos``::

    GET /grenzenlos/reports/{dag_id}/{run_id}  <output>/runs/<run_key(run_id)>/report.html
    GET /grenzenlos/runs/                      <output>/runs/index.html (also .../index.html)
    GET /grenzenlos/runs/{run}/report.html     <output>/runs/<run>/report.html
    GET /grenzenlos/reports                    redirects to the index

The ``runs/`` routes mirror the output's layout, so the index's relative links to each
run's ``report.html`` (and a report's ``../index.html``) work as they do on disk.
``<output>`` is ``[storage] output_url`` of the configuration in ``GRENZENLOS_CONFIG``
(default ``config/markets.toml`` beside this folder: `pipeline.config_file`), read on each
request, so the plugin loads (and Airflow starts) without it; the routes then answer 503
with the reason.

Plugin apps are not behind Airflow's authentication by themselves: every route here asks
Airflow's auth manager whether the caller (a JWT as ``Authorization: Bearer``, or the UI's
``_token`` cookie) may read the DAG's runs, and answers 401/403 otherwise. Only the DAGs in
`REPORTING_DAGS` are served, and a run id only ever becomes a folder name through
`pipeline.layout.run_key`, which keeps no ``/``; ``.`` and ``..`` are refused.

Two views put this in the UI: a *Report* tab on every DAG run (other DAGs' runs answer
404 there: the UI cannot limit a tab to one DAG) and *Run reports* in the *Browse* menu.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from airflow.sdk import ObjectStoragePath

DAG_ID = "localize_catalog"
"""The DAG whose runs write ``<output>/runs/``; the index belongs to it."""
REPORTING_DAGS = frozenset({DAG_ID})
"""DAGs whose runs have a report under ``<output>/runs/``; any other dag id is a 404."""
RUNS = "runs"
REPORT = "report.html"
INDEX = "index.html"
URL_PREFIX = "/grenzenlos"

# A report is one self-contained file; it may not fetch anything, post forms or be framed
# by another site, so a catalog text that slipped through escaping cannot reach the API.
_REPORT_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data: https:; font-src data:; connect-src 'none'; form-action 'none'; "
        "base-uri 'none'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


# The same ``Authorization: Bearer`` header Airflow's REST API reads; optional, as the UI's
# frames send the session cookie instead.
_BEARER = Depends(HTTPBearer(auto_error=False))


def run_folder(run_id: str) -> str | None:
    """The folder under ``<output>/runs/`` of an Airflow run id (`pipeline.layout.run_key`),
    or None when the id names no folder: empty, or only dots (``.``, ``..``).

    ``run_key`` turns every ``/`` (and any other character outside letters, digits, ``.``,
    ``_`` and ``-``) into ``_``, so the result is always one path segment::

        run_folder("manual__2026-12-01T21:48:05+00:00") == "manual__2026-12-01T214805_0000"
        run_folder("../../etc/passwd") == ".._.._etc_passwd"
        run_folder("..") is None
    """
    from pipeline.layout import run_key

    folder = run_key(run_id)
    return None if not folder.strip(".") else folder


class _Unavailable(Exception):
    """No report can be read: the configuration is missing or wrong; its text says why."""


def _runs() -> ObjectStoragePath:
    """``<output>/runs`` of the current configuration (an ``ObjectStoragePath``)."""
    from airflow.sdk import ObjectStoragePath

    from pipeline.config_file import config_path
    from schemas.config.base import ConfigError
    from schemas.config.loader import load_config

    try:
        config = load_config(config_path())
    except ConfigError as exc:
        raise _Unavailable(f"The grenzenlos configuration cannot be read: {exc}") from exc
    return ObjectStoragePath(config.storage.output_url) / RUNS


def _page(parts: tuple[str, ...], missing: str) -> Response:
    """The HTML file at ``<output>/runs/<parts...>``, or a sentence: 404 ``missing``, 503
    when the configuration or the storage cannot be read."""
    try:
        path = _runs()
        for part in parts:
            path = path / part
        with path.open("rb") as stream:  # type: ignore[no-untyped-call]  # not annotated
            content = stream.read()
    except _Unavailable as exc:
        return PlainTextResponse(str(exc), status_code=503)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return PlainTextResponse(missing, status_code=404)
    except OSError as exc:
        return PlainTextResponse(f"The run reports cannot be read: {exc}", status_code=503)
    return HTMLResponse(content, headers=_REPORT_HEADERS)


def _may_read_runs(dag_id: str | None = None) -> Callable[..., Awaitable[None]]:
    """A dependency: the caller must be a user who may read the runs of ``dag_id`` (None:
    the ``dag_id`` in the path). Airflow's own `get_user` and `requires_access_dag`,
    imported when first asked, so the plugin loads without the API server's modules."""

    async def inner(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, _BEARER]
    ) -> None:
        from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
        from airflow.api_fastapi.core_api.security import get_user, requires_access_dag
        from starlette.concurrency import run_in_threadpool

        user = await get_user(request, None, credentials)  # 401/403 without a valid token
        # It looks up the DAG's team in the metadata database: off the event loop.
        check = requires_access_dag("GET", DagAccessEntity.RUN, dag_id)
        await run_in_threadpool(check, request, user)

    return inner


app = FastAPI(
    title="grenzenlos run reports",
    description="Each localize_catalog run's report.html and the runs' index.",
    docs_url=None,
    redoc_url=None,
)


@app.exception_handler(HTTPException)
async def _as_sentence(request: Request, exc: HTTPException) -> Response:
    """Errors as the plain sentence, which reads better than JSON inside the UI's frame."""
    return PlainTextResponse(f"{exc.detail}", status_code=exc.status_code, headers=exc.headers)


@app.get("/reports", include_in_schema=False)
def reports() -> RedirectResponse:
    """The index lives under ``runs/``, where its relative links resolve."""
    return RedirectResponse(f"{RUNS}/", status_code=307)


@app.get(
    "/reports/{dag_id}/{run_id:path}",
    response_class=HTMLResponse,
    dependencies=[Depends(_may_read_runs())],
)
def run_report(dag_id: str, run_id: str) -> Response:
    """The report of one run of ``dag_id``, by its Airflow run id."""
    if dag_id not in REPORTING_DAGS:
        allowed = ", ".join(sorted(REPORTING_DAGS))
        return PlainTextResponse(
            f"grenzenlos keeps run reports for {allowed} only, not for the DAG {dag_id!r}.",
            status_code=404,
        )
    folder = run_folder(run_id)
    if folder is None:
        return PlainTextResponse(f"{run_id!r} is not a run id.", status_code=404)
    return _page((folder, REPORT), f"The run {run_id} of {dag_id} has no report yet.")


@app.get("/runs/", response_class=HTMLResponse, dependencies=[Depends(_may_read_runs(DAG_ID))])
@app.get(
    f"/runs/{INDEX}", response_class=HTMLResponse, dependencies=[Depends(_may_read_runs(DAG_ID))]
)
def index() -> Response:
    """The index of every run's report."""
    return _page((INDEX,), f"No run of {DAG_ID} has written the index of reports yet.")


@app.get(
    f"/runs/{{run}}/{REPORT}",
    response_class=HTMLResponse,
    dependencies=[Depends(_may_read_runs(DAG_ID))],
)
def report_in_folder(run: str) -> Response:
    """A report by its folder name under ``runs/``, as the index links to it."""
    if run_folder(run) != run:
        return PlainTextResponse(f"{run!r} is not the folder of a run.", status_code=404)
    return _page((run, REPORT), f"The run folder {run} has no report yet.")


class GrenzenlosReports(AirflowPlugin):
    """Each run's report as a tab of the run, and the index of runs in the Browse menu."""

    name = "grenzenlos_reports"
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "grenzenlos run reports"}]
    # The UI fills in {DAG_ID} and {RUN_ID} (URL-encoded) and loads the page in a frame;
    # hrefs are relative to the UI's base URL, without a leading slash.
    external_views = [
        {
            "name": "Report",
            "href": f"{URL_PREFIX[1:]}/reports/{{DAG_ID}}/{{RUN_ID}}",
            "destination": "dag_run",
            "url_route": "grenzenlos-report",
        },
        {
            "name": "Run reports",
            "href": f"{URL_PREFIX[1:]}/{RUNS}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "grenzenlos-runs",
        },
    ]

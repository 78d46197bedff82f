"""Every DAG loads, is configured for unattended runs, and is light to parse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ROOT
from tests.dags.forked import result_of, run_forked

HEAVY = ("pandas", "great_expectations", "pint", "deepl", "lxml", "psycopg", "babel")


@pytest.fixture(scope="module")
def dagbag() -> object:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag: object) -> None:
    assert dagbag.import_errors == {}  # type: ignore[attr-defined]
    assert "localize_catalog" in dagbag.dag_ids  # type: ignore[attr-defined]


# Tasks whose failure is a verdict on the data, not a hiccup: retrying only delays the alarm.
NO_RETRY = {
    *("plan_validation", "select_markets", "plan_languages", "plan_shards", "plan_channels"),
    *("validate", "check_gates", "summary"),
    *(
        "plan",
        "plan_amazon",
        "plan_ebay",
        "plan_google",
    ),  # deliver_feeds: which files, from the manifests
}


def test_every_dag_has_tags_retries_and_an_explicit_schedule(dagbag: object) -> None:
    for dag_id, dag in dagbag.dags.items():  # type: ignore[attr-defined]
        assert dag.tags, dag_id
        assert dag.timetable is not None and dag.schedule is not None, dag_id
        assert dag.default_args["retries"] >= 1, dag_id
        for task in dag.tasks:
            expected_retries = 0 if task.task_id in NO_RETRY else dag.default_args["retries"]
            assert task.retries == expected_retries, f"{dag_id}.{task.task_id}"


def test_localize_catalog_graph(dagbag: object) -> None:
    dag = dagbag.dags["localize_catalog"]  # type: ignore[attr-defined]
    assert dag.schedule == "0 2 * * *"
    edges = {(t.task_id, d) for t in dag.tasks for d in sorted(t.downstream_task_ids)}
    assert edges == {
        ("extract", "plan_validation"),
        ("extract", "validate_shard"),
        ("plan_validation", "validate_shard"),
        # Each shard validated on its own, the catalog-wide rules judged across them.
        ("validate_shard", "validate"),
        ("extract", "validate"),
        ("extract", "prepare_translation"),
        ("extract", "translate_language"),
        ("extract", "plan_shards"),
        ("extract", "localize_shard"),
        ("extract", "write_channel"),
        ("extract", "assemble_market"),
        ("extract", "publish"),
        ("extract", "summary"),
        ("validate", "prepare_translation"),
        ("validate", "translate_language"),
        ("validate", "localize_shard"),
        ("validate", "summary"),
        ("select_markets", "prepare_translation"),
        ("select_markets", "plan_languages"),
        # One task per target language, then one report.
        ("plan_languages", "translate_language"),
        ("prepare_translation", "translate_language"),
        ("prepare_translation", "translate"),
        ("translate_language", "translate"),
        ("select_markets", "plan_shards"),
        ("select_markets", "plan_channels"),
        ("select_markets", "assemble_market"),
        ("translate", "localize_shard"),
        ("translate", "summary"),
        ("plan_shards", "localize_shard"),
        ("plan_channels", "write_channel"),
        # Every channel reads every shard of its market; a market is assembled from both
        # (read from the staging area: these edges only order the tasks).
        ("localize_shard", "write_channel"),
        ("write_channel", "assemble_market"),
        ("assemble_market", "check_gates"),
        ("assemble_market", "publish"),
        ("assemble_market", "summary"),
        ("check_gates", "publish"),
        ("publish", "summary"),
    }
    assert dag.get_task("summary").trigger_rule == "all_done"
    for mapped in (
        *("validate_shard", "translate_language"),
        *("localize_shard", "write_channel", "assemble_market"),
    ):
        assert dag.get_task(mapped).is_mapped, mapped
    assert set(dag.params.keys()) == {"markets", "mode", "dry_run"}
    assert dag.params["dry_run"] is False and dag.params["markets"] is None
    assert dag.params["mode"] == "full"


def test_deliver_feeds_runs_on_the_published_feeds(dagbag: object) -> None:
    """deliver_feeds is scheduled on the alias publish emits its feed events through, one
    deliver task per file, and a summary that always runs."""
    from airflow.sdk import AssetAlias

    dag = dagbag.dags["deliver_feeds"]  # type: ignore[attr-defined]
    producer = dagbag.dags["localize_catalog"]  # type: ignore[attr-defined]
    outlets = producer.get_task("publish").outlets
    assert outlets == [AssetAlias("grenzenlos_feeds")]
    # The alias itself, not AssetAll([alias]): any one published feed starts a delivery.
    assert dag.timetable.asset_condition == AssetAlias("grenzenlos_feeds")
    edges = {(t.task_id, d) for t in dag.tasks for d in sorted(t.downstream_task_ids)}
    # One deliver task per pool: the marketplace APIs' own (config/pools.json) and the
    # default pool for uploads and URL checks.
    pools = {
        "deliver": "default_pool",
        "deliver_amazon": "amazon_sp_api",
        "deliver_ebay": "ebay_api",
        "deliver_google": "google_merchant_api",
    }
    plans = {name: name.replace("deliver", "plan") for name in pools}
    assert edges == {
        *((plans[name], name) for name in pools),
        *((plans[name], "summary") for name in pools),
        *((name, "summary") for name in pools),
    }
    for name, pool in pools.items():
        assert dag.get_task(name).is_mapped
        assert dag.get_task(name).pool == pool
        assert dag.get_task(name).map_index_template == "{{ label }}"
    assert dag.get_task("summary").trigger_rule == "all_done"
    assert set(dag.params.keys()) == {"markets", "channels", "dry_run"}
    # Only channels that deliver can be picked.
    assert dag.params.get_param("channels").schema["examples"] == [
        "amazon",
        "ebay",
        "google",
    ]


DAG_FILES = [
    "localize_catalog.py",
    "deliver_feeds.py",
    "google_statuses.py",
    "grenzenlos_airflow/tries.py",
]


@pytest.fixture(scope="module")
def fresh_parses() -> dict[str, dict[str, Any]]:
    """Each DAG file, and the package they share (its module importing the others), run
    in an interpreter of its own with Airflow's SDK imported and the DAGs folder on
    ``sys.path`` as Airflow puts it there: the seconds it took and the heavy modules it
    imported; and the DAGs folder parsed through a `BundleDagBag` in an interpreter
    that adds nothing to ``sys.path``. One interpreter forked for each
    (`tests.dags.forked`)."""
    parse = (
        "import sys, time, runpy\n"
        f"sys.path.append({str(ROOT / 'dags')!r})\n"
        "start = time.perf_counter()\n"
        "runpy.run_path({path!r})\n"
        "result = [time.perf_counter() - start, "
        f"sorted(m for m in {HEAVY!r} if m in sys.modules)]\n"
    )
    bundle = (
        "from airflow.dag_processing.dagbag import BundleDagBag\n"
        f"bag = BundleDagBag({str(ROOT / 'dags')!r}, bundle_path={str(ROOT / 'dags')!r})\n"
        "result = [bag.import_errors, sorted(bag.dag_ids), "
        "sorted(s.file for s in bag.dagbag_stats)]\n"
    )
    checks = {name: parse.format(path=str(ROOT / "dags" / name)) for name in DAG_FILES}
    return run_forked("import airflow.sdk", {**checks, "bundle": bundle})


@pytest.mark.parametrize("dag_file", DAG_FILES)
def test_dag_file_parses_fast_and_imports_nothing_heavy(
    fresh_parses: dict[str, dict[str, Any]], dag_file: str
) -> None:
    """Each DAG file, and the package they share (its module importing the others), in a
    fresh interpreter with the DAGs folder on ``sys.path`` as Airflow puts it there."""
    parse_seconds, heavy = result_of(fresh_parses[dag_file])
    assert heavy == []
    assert parse_seconds < 1.0, f"DAG file took {parse_seconds:.2f}s"


def test_airflow_parses_the_dags_folder_as_its_own_components_do(
    fresh_parses: dict[str, dict[str, Any]],
) -> None:
    """The DAG processor, the task runner and the CLI (``airflow dags test`` in
    ``make demo``) parse through a `BundleDagBag`, which puts the DAGs folder on
    ``sys.path``: in a fresh interpreter that adds nothing else, both DAG files import the
    package beside them, and ``.airflowignore`` keeps that package from being parsed."""
    errors, dag_ids, parsed = result_of(fresh_parses["bundle"])
    assert errors == {}
    assert dag_ids == ["deliver_feeds", "google_statuses", "localize_catalog"]
    assert parsed == ["deliver_feeds.py", "google_statuses.py", "localize_catalog.py"]


def test_tasks_know_when_they_may_run_on_several_machines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under an executor other than the local ones the translate tasks pass
    ``distributed`` (a SQLite memory is then refused, see test_translate_per_language)."""
    from grenzenlos_airflow.run import distributed

    for executor, expected in (
        ("CeleryExecutor", True),
        ("LocalExecutor", False),
        ("LocalExecutor,CeleryExecutor", True),
        ("KubernetesExecutor", True),
    ):
        monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", executor)
        assert distributed() is expected, executor


def test_markets_param_is_a_nullable_pick_list_of_the_configured_markets(dagbag: object) -> None:
    from airflow.sdk.definitions.param import ParamValidationError

    from schemas.config.loader import load_config

    dag = dagbag.dags["localize_catalog"]  # type: ignore[attr-defined]
    param = dag.params.get_param("markets")
    configured = sorted(load_config(ROOT / "config" / "markets.toml").markets)
    # The form shows a multi-select (an array with examples) labelled with the names.
    assert param.schema["examples"] == configured
    assert param.schema["values_display"]["DE"] == "DE: Germany (de_DE, EUR)"
    assert param.resolve(None) is None  # cleared: every market
    assert param.resolve(["DE", "FR"]) == ["DE", "FR"]
    with pytest.raises(ParamValidationError):
        param.resolve(["DE", "XX"])
    with pytest.raises(ParamValidationError):
        param.resolve(["DE", "DE"])
    for name in ("markets", "mode", "dry_run"):
        assert len(dag.params.get_param(name).description) > 60, name
    assert "full" in dag.params.get_param("mode").description
    assert dag.description and "feed" in dag.description


def test_mapped_tasks_are_labelled_by_what_they_work_on(dagbag: object) -> None:
    dag = dagbag.dags["localize_catalog"]  # type: ignore[attr-defined]
    templates = {t.task_id: getattr(t, "map_index_template", None) for t in dag.tasks}
    for task in (
        "validate_shard",
        "translate_language",
        "localize_shard",
        "write_channel",
        "assemble_market",
    ):
        assert templates[task] == "{{ label }}", task

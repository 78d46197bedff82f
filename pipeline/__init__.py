"""The pipeline's steps as plain functions, one module per DAG step; the DAG maps each of
its tasks onto one step function, tests and benchmarks call them directly.

- `pipeline.extract`: read the catalog, stage its snapshot and the ECB rates;
- `pipeline.validate`: the catalog rules (Great Expectations), the quarantine, the gates;
- `pipeline.translate`: what the markets' locales lack, from the memory or DeepL;
- `pipeline.build`: one market's listings and feed files, unpublished (its tasks' parts in
  `pipeline.localize_shard`, `pipeline.channel_files`, `pipeline.assemble_market` and
  `pipeline.staged_parts`);
- `pipeline.publish`: the shrink gate and the atomic replacement of the live feeds;
- `pipeline.run_report`: the run's findings, completeness, prices, summary and report page;
- `pipeline.layout`: the file names of a run's staging area and output;
- `pipeline.records`: the records the steps hand each other (XCom, staged results);
- `pipeline.trigger_form` and `pipeline.task_try`: the DAGs' trigger forms (their pick
  lists read from the configuration when a DAG file is parsed), and a task try's record
  and log lines.

The layers, each importing only those below it: `schemas` (the data model, text made
safe), `transforms` (reading catalogs, validation, translation, localization, money,
units, storage), `feeds` (the marketplaces' writers), `pipeline`, and ``dags/`` on top
(its package ``grenzenlos_airflow``: what the DAGs share on Airflow's side).
Nothing below ``dags/`` imports Airflow (tests/unit/test_layering.py checks both).
Steps exchange small JSON-ready records (paths and counts), never data sets.
"""

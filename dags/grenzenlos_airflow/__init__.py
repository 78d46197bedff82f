"""What the grenzenlos DAGs share on Airflow's side, written once: the run a task belongs
to and the configuration it runs with (`run`), the Airflow connections the steps need
(`connections`), and how a task's try is recorded and failed (`tries`).

The steps themselves live in `pipeline` and know nothing of Airflow; this package is the
thin layer between them and Airflow's context, connections and exceptions. It sits in
the DAGs folder, which Airflow puts on ``sys.path`` for every component that parses or
runs a DAG (its bundle path), so the DAG files import it as ``grenzenlos_airflow``;
``dags/.airflowignore`` keeps the DAG processor from parsing it as DAG files. Nothing here
imports anything heavy at module level: the DAG files import it when they are parsed.
"""

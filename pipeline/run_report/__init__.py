"""Step 8, the run report: what a run got to, for the people who look after it.

- `pipeline.run_report.steps`: each task try's record, kept as the run goes, and the totals;
- `pipeline.run_report.record`: the run record's type (``run.json``, ``runs/index.json``);
- `pipeline.run_report.summary`: the run's findings, completeness and prices gathered,
  ``summary.txt`` and the run record (``run.json``), then the page;
- `pipeline.run_report.render`: ``report.html`` and the runs' ``index.html`` (Jinja2, written
  atomically), from
- `pipeline.run_report.view`: what the page shows, computed from the run records,
- `pipeline.run_report.charts`: the page's SVG charts,
- `pipeline.run_report.run_files`, `pipeline.run_report.prices`: what the page reads of the
  run's folder and the earlier runs',
- `pipeline.run_report.links`, `pipeline.run_report.formatting`: links to the run's files,
  and numbers and times as people read them.
"""

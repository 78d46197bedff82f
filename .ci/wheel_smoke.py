"""The sample pipeline steps from the installed wheel, reading no file of the source tree.

Run by ``.ci/wheel_check.sh`` with the fresh virtual environment's interpreter, isolated
(``python -I``: no ``PYTHONPATH``, no script folder or working folder on ``sys.path``),
from a folder outside the repository::

    python -I wheel_smoke.py REPOSITORY CONFIG

``CONFIG`` is a copy of ``config/markets.toml`` beside copies of the sample catalog and
the ECB rates. The steps are onboarding's (extract the sample catalog, validate it, build
market DE with its channels' feeds, checked against the feed schemas), a size conversion
(the sample has no sizes) and the run index page (the report templates). An audit hook
records every file opened; the check fails if one lies in the repository, if a package
was imported from anywhere but the virtual environment, or if the package data (sizes
table, feed schemas, templates) was not read from it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGES = ("schemas", "transforms", "feeds", "pipeline")
PACKAGE_DATA = (
    "transforms/measures/sizes.toml",
    "schemas/feeds/amazon_listings_feed.schema.json",
    "pipeline/run_report/templates/index.html.j2",
    "pipeline/run_report/templates/style.css.j2",
)
"""Files of the wheel the steps must read (one feed schema stands for the folder)."""


def main(repository: Path, config: Path) -> list[str]:
    """Run the steps; what went wrong, if anything."""
    opened: list[str] = []

    def record_open(event: str, args: tuple[object, ...]) -> None:
        # Relative paths are made absolute now: the working folder may not stay the same.
        if event == "open" and isinstance(args[0], str | bytes):
            opened.append(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(record_open)

    from pipeline import onboarding
    from pipeline.run_report.render import write_run_index
    from transforms.measures.sizes import default_table

    problems = []
    if onboarding.main(["--config", str(config), "--markets", "DE"]) != 0:
        problems.append("onboarding did not finish")
    # The sample catalog has no sizes, so the build never asks the size table: ask it here.
    if default_table().for_market("41", "shoes", "male", "UK") != ("7", "UK"):
        problems.append("the size table does not convert EU 41 to UK 7")
    runs = Path("runs").resolve()
    runs.mkdir()
    if "<html" not in write_run_index(runs).read_text(encoding="utf-8"):
        problems.append("the run index is not a page")

    environment = Path(sys.prefix).resolve()
    for name in PACKAGES:
        module = Path(str(sys.modules[name].__file__)).resolve()
        if not module.is_relative_to(environment):
            problems.append(f"{name} imported from {module}, not from {environment}")
    read = {Path(path).resolve() for path in opened}
    problems += [
        f"read from the source tree: {path}"
        for path in sorted(read)
        if path.is_relative_to(repository)
    ]
    site = {p.relative_to(environment).as_posix() for p in read if p.is_relative_to(environment)}
    for data in PACKAGE_DATA:
        if not any(path.endswith(f"site-packages/{data}") for path in site):
            problems.append(f"{data} was not read from the installed package")
    return problems


if __name__ == "__main__":
    found = main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]))
    for problem in found:
        print(f"wheel check: {problem}", file=sys.stderr)
    print("wheel check:", "failed" if found else "the installed package ran the sample steps")
    sys.exit(1 if found else 0)

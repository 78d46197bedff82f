"""Links from the run report to the run's files, relative to the report's folder."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pipeline.layout import for_people

if TYPE_CHECKING:
    from pathlib import Path

    from transforms.infra.storage import StoragePath


class RunLinks:
    """Links from the report to the run's files: relative when a file lies under the
    same output root as the report, else none (the location is shown as text)."""

    def __init__(self, report_dir: StoragePath | Path, output_root: StoragePath | Path) -> None:
        self.root = _location(output_root)
        here = _location(report_dir)
        self.here = here[len(self.root) + 1 :] if here.startswith(self.root + "/") else None

    def href(self, location: object) -> str | None:
        """The relative link to ``location``, or None.

        >>> from pathlib import Path
        >>> RunLinks(Path("/out/runs/k"), Path("/out")).href("file:///out/DE/google.xml")
        '../../DE/google.xml'
        >>> RunLinks(Path("/out/runs/k"), Path("/out")).href("s3://elsewhere/google.xml")
        """
        if not isinstance(location, str) or self.here is None:
            return None
        target = _location(location)
        if not target.startswith(self.root + "/"):
            return None
        return quote(posixpath.relpath(target[len(self.root) + 1 :], self.here))

    def link(self, location: object) -> dict[str, Any]:
        """``href`` (or None) and the location as people read it, for the template."""
        text = for_people(location) if isinstance(location, str) else None
        return {"href": self.href(location), "text": text, "name": posixpath.basename(text or "")}


def _location(path: object) -> str:
    return for_people(str(path)).rstrip("/")

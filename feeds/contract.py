"""The one small contract every marketplace feed writer implements.

A writer is created on an open binary stream for one market, then called as
``write_header()``, ``write_item(listing)`` for each listing, ``write_footer()``
and ``close()``. It never builds the whole feed in memory. ``write_item``
applies the channel's rules and returns findings: an ``error`` finding means
the item was left out of the file, ``warning`` findings describe what was
changed (a title cut to length, say).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from schemas.findings import Finding
    from schemas.listing import Listing
    from schemas.market import Market


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What a channel's files are.

    Attributes:
        name: Registry name, as markets name it in the config (``google``).
        extension: File name extension without the dot.
        media_type: MIME type of the file.
        description: One line for people.
    """

    name: str
    extension: str
    media_type: str
    description: str


class FeedWriter(ABC):
    """Base of all feed writers; see the module docstring for the call order."""

    spec: ClassVar[FeedSpec]

    def __init__(self, stream: IO[bytes], market: Market) -> None:
        self.stream = stream
        self.market = market
        self.items_written = 0

    @abstractmethod
    def write_header(self) -> None:
        """Write what comes before the first item."""

    @abstractmethod
    def write_item(self, listing: Listing) -> list[Finding]:
        """Check one listing against the channel's rules and write it if it passes."""

    @abstractmethod
    def write_footer(self) -> None:
        """Write what comes after the last item."""

    def close(self) -> None:
        """Flush buffers; the caller owns (and closes) the stream."""
        self.stream.flush()

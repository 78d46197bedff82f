"""Reading a BMEcat document (`transforms.catalog.bmecat`): its frame first, then its
product elements streamed with lxml's ``iterparse``, and the XML errors lxml recovers
from reported on the product they break or on their own."""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from transforms.catalog.bmecat.frame import (
    LOCAL_NAMES,
    MAP_TAGS,
    PRODUCT_TAGS,
    TRANSACTIONS,
    GroupMap,
    parse_options,
    read_frame,
)
from transforms.catalog.bmecat.product import ProductReader
from transforms.catalog.values import (
    RowContext,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from schemas.config.catalog import CatalogSource
    from schemas.findings import Finding
    from schemas.product import Product
    from transforms.catalog.bmecat.frame import Frame

_XML_ENCODING_ERRORS = frozenset({"ERR_INVALID_ENCODING", "ERR_INVALID_CHAR"})


def read_bmecat(path: Path, source: CatalogSource) -> Iterator[Product | Finding]:
    """Stream the products of a BMEcat document, and findings about what cannot be used.

    Raises:
        CatalogFileError: when the file is not XML, not BMEcat, a price update
            (``T_UPDATE_PRICES``), or broken before its first product.
    """
    frame, first_line = read_frame(path, source.encoding)
    if first_line is None:
        return
    reader = _Document(source, frame)
    # Only a group system gives the mappings names; without one they are not read.
    with GroupMap(path, source.encoding) if frame.groups else nullcontext() as groups:
        reader.products.groups = groups
        yield from reader.read(path)


class _Document:
    """Streams a document's product elements, clearing each once read, and places lxml's
    XML errors: on the product whose lines hold them (set aside), else on their own."""

    def __init__(self, source: CatalogSource, frame: Frame) -> None:
        self.products = ProductReader(source, frame)
        self.encoding = source.encoding

    def read(self, path: Path) -> Iterator[Product | Finding]:
        from lxml import etree

        events = etree.iterparse(
            str(path),
            events=("end",),
            # The group mappings after the products are cleared too, unread (`GroupMap`).
            tag=[f"{{*}}{tag}" for tag in (*PRODUCT_TAGS, *MAP_TAGS)],
            **parse_options(path, self.encoding),
        )
        errors: list[Any] = []
        seen = 0
        for _, element in events:
            if LOCAL_NAMES[element.tag] in MAP_TAGS:
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
                continue
            line = element.sourceline or 0
            last = _last_line(element)
            parent = element.getparent()
            # lxml's recovery may nest the products after a broken one inside it.
            on_top = parent is not None and LOCAL_NAMES[parent.tag] in TRANSACTIONS
            sku, items = self.products.product(element, line)
            log = events.error_log
            if len(log) > seen:
                errors.extend(e for e in list(log)[seen:] if e.level >= 2)
                seen = len(log)
            if errors:
                mine, before, later = [], [], []
                for error in errors:
                    if line <= error.line <= last:
                        mine.append(error)
                    elif error.line < line and on_top:
                        before.append(error)
                    else:
                        later.append(error)
                errors = later
                for error in before:
                    yield from _xml_error(error)
                if mine:
                    items = self._broken(mine[0], line, sku)
            yield from items
            element.clear()
            while on_top and element.getprevious() is not None:
                del parent[0]
        log = events.error_log
        errors.extend(e for e in list(log)[seen:] if e.level >= 2)
        for error in errors:
            yield from _xml_error(error)

    def _broken(self, error: Any, line: int, sku: str) -> list[Product | Finding]:
        """The finding that sets aside a product with an XML error in its lines."""
        readable = sku if sku and "\ufffd" not in sku else None
        context = RowContext(line, readable)
        if error.type_name in _XML_ENCODING_ERRORS:
            context.reject(
                "(xml)",
                "invalid_encoding",
                f"line {error.line} of the product holds bytes that are not valid in the "
                f"file's encoding ({error.message.strip()}); is the file in another "
                "encoding? ([catalog] encoding)",
            )
        else:
            context.reject(
                "(xml)",
                "malformed_xml",
                f"the product is not well-formed XML at line {error.line}: "
                f"{error.message.strip()}"
                + (
                    " (external entities are never read)"
                    if error.type_name == "ERR_UNDECLARED_ENTITY"
                    else ""
                ),
            )
        return list(context.findings)


def _last_line(element: Any) -> int:
    """The last line a product element spans, as near as lxml tells: the line of its
    last descendant, plus the lines of that one's text, plus its closing tag's line."""
    last = element
    while len(last):
        last = last[-1]
    text = last.text if isinstance(last.tag, str) else None
    return int(last.sourceline or 0) + (text.count("\n") if text else 0) + 1


def _xml_error(error: Any) -> list[Finding]:
    context = RowContext(error.line, None)
    context.reject(
        "(xml)",
        "malformed_xml",
        f"line {error.line} is not well-formed XML: {error.message.strip()}",
    )
    return list(context.findings)

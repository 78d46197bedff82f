"""The frame of a BMEcat document around its products: the header, the catalog's group
system and classification systems, and the mapping of products onto catalog groups.

A BMEcat document (https://www.bmecat.org, versions 1.2 and 2005) is one ``BMECAT``
element holding a ``HEADER`` and one transaction (``T_NEW_CATALOG``, ``T_UPDATE_PRODUCTS``,
``T_UPDATE_PRICES``). Inside the transaction the DTD and XSD fix the order: feature
system, ``CATALOG_GROUP_SYSTEM`` and ``CLASSIFICATION_SYSTEM`` first, then every
``ARTICLE`` (1.2) or ``PRODUCT`` (2005), and only after the last of them the
``ARTICLE_TO_CATALOGGROUP_MAP`` / ``PRODUCT_TO_CATALOGGROUP_MAP`` elements that put each
product into a group.

So `read_frame` reads the document up to its first product and stops, and, when the
document has a group system to name the groups, `GroupMap` reads it once more to its end
keeping only the mappings (product id -> group id). Those go into a temporary SQLite
file, not into memory: a catalog of a million products maps a million ids, and the reader
must stay flat whatever the size. Memory then holds the header and the group systems
(bounded by the number of groups, not of products).
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transforms.catalog.files import CatalogFileError, codec_for

if TYPE_CHECKING:
    from collections.abc import Iterator

PRODUCT_TAGS = ("ARTICLE", "PRODUCT")
"""A product: ``ARTICLE`` in BMEcat 1.2, ``PRODUCT`` in BMEcat 2005."""
MAP_TAGS = ("ARTICLE_TO_CATALOGGROUP_MAP", "PRODUCT_TO_CATALOGGROUP_MAP")
TRANSACTIONS = ("T_NEW_CATALOG", "T_UPDATE_PRODUCTS", "T_NEW_PRODUCTDATA")
"""Transactions that carry whole products; ``T_UPDATE_PRICES`` carries prices only."""
_MAP_BATCH = 5000


class _LocalNames(dict[Any, str]):
    """Element name -> its local name; a file uses few names, so each is split once."""

    def __missing__(self, tag: Any) -> str:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(self) < 10_000:  # stay bounded whatever a file holds
            self[tag] = name
        return name


LOCAL_NAMES = _LocalNames()
"""``LOCAL_NAMES[element.tag]``: the element's name without its namespace (BMEcat files come
with the 1.2 or 2005 namespace, a vendor's own, or none); "" for comments and processing
instructions. A lookup, not a call, on the reader's hot path."""


def local_name(tag: Any) -> str:
    """An element's name without its namespace (`LOCAL_NAMES`).

    >>> local_name("{http://www.bmecat.org/bmecat/2005}PRODUCT"), local_name("ARTICLE")
    ('PRODUCT', 'ARTICLE')
    """
    return LOCAL_NAMES[tag]


def element_text(element: Any) -> str:
    """The element's text, stripped; the text of nested markup too (an exporter's
    ``<b>`` inside a description, an entity it declared)."""
    if len(element):
        return "".join(element.itertext()).strip()
    text: str | None = element.text
    return text.strip() if text else ""


def parse_options(path: Path, encoding: str) -> dict[str, Any]:
    """Options for every lxml parse of the file: no DTD loaded, no external entity and no
    network (XXE-safe; libxml2's entity amplification limit stays on), errors recovered
    and reported by the reader rather than ending the file; ``[catalog] encoding``
    overrides the XML declaration when it names anything but UTF-8."""
    codec = codec_for(path, encoding)
    options: dict[str, Any] = {
        "resolve_entities": "internal",
        "no_network": True,
        "load_dtd": False,
        "recover": True,
    }
    if codec != "utf-8-sig":
        options["encoding"] = codec
    return options


@dataclass(slots=True)
class Group:
    """One catalog group (``CATALOG_STRUCTURE``) or classification group."""

    name: str
    parent: str | None


@dataclass(slots=True)
class Frame:
    """What the document says before its first product.

    Attributes:
        version: The ``version`` attribute of ``BMECAT`` (``1.2``, ``2005``).
        transaction: ``T_NEW_CATALOG``, ``T_UPDATE_PRODUCTS`` or ``T_NEW_PRODUCTDATA``.
        languages: ``HEADER/CATALOG/LANGUAGE`` codes (ISO 639-2, ``deu``), lower case.
        default_language: The one marked ``default="true"``, else the first; None when
            the header names none.
        currency: ``HEADER/CATALOG/CURRENCY``: of every price that names none.
        mime_root: ``HEADER/CATALOG/MIME_ROOT``: what relative ``MIME_SOURCE`` paths are
            relative to.
        groups: ``CATALOG_GROUP_SYSTEM``: group id -> group.
        classifications: ``CLASSIFICATION_SYSTEM`` name -> group id -> group (BMEcat
            2005; products point into one through ``REFERENCE_FEATURE_SYSTEM_NAME``).
    """

    version: str = ""
    transaction: str = ""
    languages: list[str] = field(default_factory=list)
    default_language: str | None = None
    currency: str | None = None
    mime_root: str | None = None
    groups: dict[str, Group] = field(default_factory=dict)
    classifications: dict[str, dict[str, Group]] = field(default_factory=dict)
    _paths: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def in_language(self, element: Any) -> bool:
        """Whether a text element is in the catalog's default language (or has none)."""
        lang = element.get("lang")
        return not lang or self.default_language is None or lang.lower() == self.default_language

    def group_path(self, group_id: str, system: str | None = None) -> list[str]:
        """The names of a group and its ancestors, most specific first ([] for an unknown
        id); ``system`` names a classification system, None the catalog group system."""
        key = (system or "", group_id)
        path = self._paths.get(key)
        if path is None:
            groups = self.groups if system is None else self.classifications.get(system, {})
            path = []
            seen: set[str] = set()
            current: str | None = group_id
            while current is not None and current in groups and current not in seen:
                seen.add(current)
                group = groups[current]
                if group.name and group.name not in path:
                    path.append(group.name)
                current = group.parent
            self._paths[key] = path
        return path


def read_frame(path: Path, encoding: str) -> tuple[Frame, int | None]:
    """Read the document up to its first product: the header and the group systems.

    Returns the frame and the line the first product starts on (None: no product).

    Raises:
        CatalogFileError: the file is not XML, its root is not ``BMECAT``, it is a price
            update (``T_UPDATE_PRICES``), or its header is not well-formed.
    """
    from lxml import etree

    frame = Frame()
    first_line: int | None = None
    events = etree.iterparse(str(path), events=("start", "end"), **parse_options(path, encoding))
    try:
        for event, element in events:
            name = local_name(element.tag)
            if event == "start":
                if frame.version == "" and name != "BMECAT":
                    raise CatalogFileError(
                        f"{path.name} is not a BMEcat document: its root element is "
                        f"<{name}>, not <BMECAT>"
                    )
                if name == "BMECAT":
                    frame.version = element.get("version") or "?"
                elif name == "T_UPDATE_PRICES":
                    raise CatalogFileError(
                        f"{path.name} is a BMEcat price update (T_UPDATE_PRICES): it holds "
                        "new prices for a catalog sent before, not a catalog; read the "
                        "T_NEW_CATALOG export"
                    )
                elif name in TRANSACTIONS:
                    frame.transaction = name
                elif name in PRODUCT_TAGS and frame.transaction:
                    first_line = element.sourceline
                    break
                continue
            if name == "HEADER":
                _read_header(element, frame)
                element.clear()
            elif name == "CATALOG_STRUCTURE":
                _read_group(element, frame)
                element.clear()
            elif name == "CLASSIFICATION_SYSTEM":
                _read_classification(element, frame)
                element.clear()
    except etree.XMLSyntaxError as error:
        raise CatalogFileError(f"{path.name} is not XML: {error}") from None
    if frame.version == "":
        raise CatalogFileError(f"{path.name} is empty or not XML: no root element")
    _refuse_broken_header(path, events.error_log, first_line)
    if not frame.transaction:
        raise CatalogFileError(
            f"{path.name}: the BMEcat document has no T_NEW_CATALOG (or T_UPDATE_PRODUCTS) "
            "transaction, so no products"
        )
    return frame, first_line


def _refuse_broken_header(path: Path, log: Any, first_line: int | None) -> None:
    # Errors after the first product's line belong to products: the reader reports those.
    for error in log:
        if error.level >= 2 and (first_line is None or error.line < first_line):
            raise CatalogFileError(
                f"{path.name}: the BMEcat document is not well-formed XML before its first "
                f"product, at line {error.line}: {error.message.strip()}"
            )


def _read_header(header: Any, frame: Frame) -> None:
    for catalog in header:
        if local_name(catalog.tag) != "CATALOG":
            continue
        for child in catalog:
            name = local_name(child.tag)
            text = element_text(child)
            if name == "LANGUAGE" and text:
                frame.languages.append(text.lower())
                if child.get("default", "").lower() == "true" or frame.default_language is None:
                    frame.default_language = text.lower()
            elif name == "CURRENCY" and text:
                frame.currency = text
            elif name == "MIME_ROOT" and text and frame.in_language(child):
                frame.mime_root = text


def _read_group(structure: Any, frame: Frame) -> None:
    group_id, name, parent = "", "", None
    for child in structure:
        tag = local_name(child.tag)
        if tag == "GROUP_ID":
            group_id = element_text(child)
        elif tag == "GROUP_NAME" and (not name or frame.in_language(child)):
            name = element_text(child)
        elif tag == "PARENT_ID":
            parent = element_text(child) or None
    if group_id:
        frame.groups[group_id] = Group(name, parent)


def _read_classification(system: Any, frame: Frame) -> None:
    system_name = ""
    groups: dict[str, Group] = {}
    for child in system.iter():
        tag = local_name(child.tag)
        if tag == "CLASSIFICATION_SYSTEM_NAME" and not system_name:
            system_name = element_text(child)
        elif tag == "CLASSIFICATION_GROUP":
            group_id, name, parent = "", "", None
            for part in child:
                part_tag = local_name(part.tag)
                if part_tag == "CLASSIFICATION_GROUP_ID":
                    group_id = element_text(part)
                elif part_tag == "CLASSIFICATION_GROUP_NAME" and (
                    not name or frame.in_language(part)
                ):
                    name = element_text(part)
                elif part_tag == "CLASSIFICATION_GROUP_PARENT_ID":
                    parent = element_text(part) or None
            if group_id:
                groups[group_id] = Group(name, parent)
    if system_name and groups:
        frame.classifications[system_name] = groups


class GroupMap:
    """Product id -> catalog group ids, read from the mappings after the products and
    kept in a temporary SQLite file (memory stays flat; disk holds one row a mapping).

    Use as a context manager; `groups` answers per product, in the document's order.
    """

    def __init__(self, path: Path, encoding: str) -> None:
        self._path = path
        self._encoding = encoding
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self._db: sqlite3.Connection | None = None

    def __enter__(self) -> GroupMap:
        self._directory = tempfile.TemporaryDirectory(prefix="grenzenlos-bmecat-")
        self._db = sqlite3.connect(Path(self._directory.name) / "groups.sqlite")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE map (product TEXT, grp TEXT, position INTEGER)")
        with self._db:
            for batch in _batches(self._mappings(), _MAP_BATCH):
                self._db.executemany("INSERT INTO map VALUES (?, ?, ?)", batch)
        self._db.execute("CREATE INDEX map_product ON map (product, position)")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._db is not None:
            self._db.close()
        if self._directory is not None:
            self._directory.cleanup()

    def groups(self, product_id: str) -> list[str]:
        assert self._db is not None
        rows = self._db.execute(
            "SELECT grp FROM map WHERE product = ? ORDER BY position", (product_id,)
        )
        return [group for (group,) in rows]

    def _mappings(self) -> Iterator[tuple[str, str, int]]:
        from lxml import etree

        tags = [f"{{*}}{tag}" for tag in (*PRODUCT_TAGS, *MAP_TAGS)]
        events = etree.iterparse(
            str(self._path),
            events=("end",),
            tag=tags,
            **parse_options(self._path, self._encoding),
        )
        position = 0
        for _, element in events:
            if local_name(element.tag) in MAP_TAGS and element.get("mode") != "delete":
                product = group = ""
                for child in element:
                    tag = local_name(child.tag)
                    if tag in ("ART_ID", "PROD_ID"):
                        product = element_text(child)
                    elif tag == "CATALOG_GROUP_ID":
                        group = element_text(child)
                if product and group:
                    position += 1
                    yield product, group, position
            # Products are skipped here; clear them so the tree stays empty.
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]


def _batches(
    rows: Iterator[tuple[str, str, int]], size: int
) -> Iterator[list[tuple[str, str, int]]]:
    batch: list[tuple[str, str, int]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

"""XML helpers shared by the XML feed writers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


class ElementTemplates:
    """Reusable item elements, one per sequence of child tags.

    Building an lxml element costs about 1.5 µs per child, most of it spent
    parsing the namespaced tag; a feed's items come in a handful of shapes
    (with or without a GTIN, two or three images ...). `fill` keeps one element
    per shape and only sets the texts, so the caller must serialize the element
    before the next call (``xmlfile.write`` does, at once).
    """

    def __init__(
        self,
        tag: str,
        qualify: Callable[[str], str],
        nsmap: dict[str, str] | None = None,
        max_shapes: int = 256,
    ) -> None:
        self.tag = tag
        self.qualify = qualify
        self.nsmap = nsmap
        self.max_shapes = max_shapes
        self._shapes: dict[tuple[str, ...], tuple[Any, list[Any]]] = {}

    def fill(self, children: Sequence[tuple[str, str]]) -> Any:
        """Return an element with one child per ``(tag, text)``, in order."""
        shape = tuple(name for name, _ in children)
        entry = self._shapes.get(shape)
        if entry is None:
            element = etree.Element(self.tag, nsmap=self.nsmap)
            entry = (element, [etree.SubElement(element, self.qualify(n)) for n in shape])
            if len(self._shapes) < self.max_shapes:
                self._shapes[shape] = entry
        element, kids = entry
        for kid, (_, text) in zip(kids, children, strict=True):
            kid.text = text
        return element

"""A short description's HTML as selling points, for the shop readers whose exports write
their bullet points as one HTML cell (Magento's ``short_description``, WooCommerce's
``Short description``)."""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

_HTML = etree.HTMLParser(no_network=True)
"""lxml's HTML parser (libxml2): it reads what browsers read, markup merchants mistype too.
One per process, which reads one file at a time."""
_LINE_TAGS = ("li", "p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dt", "dd")


@lru_cache(maxsize=4096)
def selling_points(text: str) -> tuple[str, ...]:
    """A short description as selling points: its lines; when it is HTML, the lines its
    blocks make (list items, paragraphs, breaks), white space folded. Invisible
    characters stay, for `clean_texts` to report. Variants share their parent's text:
    each is read once.

    >>> selling_points("<ul><li>Soft &amp; warm</li><li>100% cotton</li></ul>")
    ('Soft & warm', '100% cotton')
    >>> selling_points("<p>Fits <b>severe</b>  hearing loss</p><p>small BTE</p>")
    ('Fits severe hearing loss', 'small BTE')
    >>> selling_points("Soft and warm\\nMachine washable")
    ('Soft and warm', 'Machine washable')
    """
    if "<" not in text and "&" not in text:
        return tuple(line.strip() for line in text.splitlines() if line.strip())
    try:
        root = etree.fromstring(text, _HTML)
    except (ValueError, etree.ParserError):  # NUL bytes, nothing but markup
        return ()
    if root is None:
        return ()
    for element in root.iter(_LINE_TAGS):  # a block ends a line
        element.tail = "\n" + element.tail if element.tail else "\n"
    text = etree.tostring(root, method="text", encoding="unicode")
    return tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())

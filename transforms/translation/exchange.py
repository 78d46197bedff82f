"""Translations in the files translators exchange: TMX 1.4 and XLIFF 1.2.

Reading yields `HumanTranslation` pairs for the translation memory; writing
makes the files a translator opens in a CAT tool. HTML travels as escaped text
inside ``<seg>``, ``<source>`` and ``<target>`` (XLIFF ``datatype="html"``);
inline markup elements (TMX ``bpt``/``ept``/``ph``, XLIFF ``ph``) are read back
as the native code they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from schemas.text import strip_xml_illegal

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
APPROVED_STATES = frozenset({"final", "signed-off"})
"""XLIFF 1.2 target states that count as a translator's approval (with ``approved="yes"``)."""


class ExchangeError(ValueError):
    """A translators' file that is not TMX 1.4 / XLIFF 1.2, named with its place."""


@dataclass(frozen=True, slots=True)
class HumanTranslation:
    """One approved translation from a translators' file.

    Attributes:
        source_locale: ``en_US``.
        source_text: The source segment.
        target_locale: ``pl_PL``.
        target_text: The translator's text.
    """

    source_locale: str
    source_text: str
    target_locale: str
    target_text: str


@dataclass(frozen=True, slots=True)
class ReviewUnit:
    """A segment sent to translators for review.

    Attributes:
        unit_id: Stable id (the segment's memory key).
        source_text: The source segment.
        target_text: DeepL's proposal, or None while it is pending.
        note: Where the text is used (products and fields) and why it is sent.
    """

    unit_id: str
    source_text: str
    target_text: str | None
    note: str


def to_locale(tag: str) -> str:
    """A language tag as the project spells locales: ``pl-PL`` -> ``pl_PL``.

    >>> to_locale("pl-pl"), to_locale("de"), to_locale("zh-Hans-CN")
    ('pl_PL', 'de', 'zh_CN')
    """
    parts = tag.replace("_", "-").split("-")
    language = parts[0].lower()
    regions = [p for p in parts[1:] if len(p) == 2]
    return f"{language}_{regions[0].upper()}" if regions else language


def to_tag(locale: str) -> str:
    """A project locale as a language tag: ``pl_PL`` -> ``pl-PL``."""
    return locale.replace("_", "-")


def _xml_safe(text: str) -> str:
    """Text lxml can write: characters XML 1.0 forbids (control characters) removed."""
    return strip_xml_illegal(text)[0]


def _text(element: object) -> str:
    from lxml import etree

    assert isinstance(element, etree._Element)
    return "".join(str(part) for part in element.itertext())


def read_tmx(source: IO[bytes], name: str = "TMX") -> Iterator[HumanTranslation]:
    """Every source/target pair of a TMX 1.4 file (one per target ``tuv`` of each ``tu``).

    Raises:
        ExchangeError: not TMX, no ``srclang``, or a ``tu`` without a source segment.
    """
    from lxml import etree

    parser_events = etree.iterparse(source, events=("start", "end"), resolve_entities=False)
    source_tag: str | None = None
    try:
        for event, element in parser_events:
            if event == "start" and element.tag == "tmx":
                if element.get("version", "").split(".")[0] != "1":
                    raise ExchangeError(f"{name}: not a TMX 1.x file")
            elif event == "end" and element.tag == "header":
                source_tag = element.get("srclang")
                if not source_tag or source_tag == "*all*":
                    raise ExchangeError(f"{name}: the header needs a srclang")
            elif event == "end" and element.tag == "tu":
                if source_tag is None:
                    raise ExchangeError(f"{name}: <tu> before the <header>")
                yield from _tu_pairs(element, source_tag, name)
                element.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        raise ExchangeError(f"{name}: not well-formed XML: {exc}") from None


def _tu_pairs(tu: object, source_tag: str, name: str) -> Iterator[HumanTranslation]:
    from lxml import etree

    assert isinstance(tu, etree._Element)
    segments: dict[str, str] = {}
    for tuv in tu.iterfind("tuv"):
        lang = tuv.get(XML_LANG) or tuv.get("lang")
        seg = tuv.find("seg")
        if lang and seg is not None:
            segments[lang.lower()] = _text(seg)
    source_text = segments.pop(source_tag.lower(), None)
    if not source_text:
        where = tu.get("tuid") or f"line {tu.sourceline}"
        raise ExchangeError(f"{name}: <tu> {where} has no {source_tag} segment")
    for lang, text in segments.items():
        if text:
            yield HumanTranslation(to_locale(source_tag), source_text, to_locale(lang), text)


def write_tmx(
    stream: IO[bytes],
    source_locale: str,
    pairs: Iterable[tuple[str, str, dict[str, str]]],
    *,
    tool: str = "grenzenlos",
) -> None:
    """Write a TMX 1.4 file: ``pairs`` are (tuid, source text, {locale: translation})."""
    from lxml import etree

    with etree.xmlfile(stream, encoding="UTF-8") as xml:
        xml.write_declaration()
        with xml.element("tmx", version="1.4"):
            header = {
                "creationtool": tool,
                "creationtoolversion": "1",
                "segtype": "paragraph",
                "o-tmf": "grenzenlos",
                "adminlang": "en-US",
                "srclang": to_tag(source_locale),
                "datatype": "html",
            }
            xml.write(etree.Element("header", header), pretty_print=True)
            with xml.element("body"):
                for tuid, source_text, targets in pairs:
                    tu = etree.Element("tu", tuid=tuid)
                    for locale, text in ((source_locale, source_text), *targets.items()):
                        tuv = etree.SubElement(tu, "tuv", {XML_LANG: to_tag(locale)})
                        etree.SubElement(tuv, "seg").text = _xml_safe(text)
                    xml.write(tu, pretty_print=True)


def read_xliff(source: IO[bytes], name: str = "XLIFF") -> tuple[list[HumanTranslation], int]:
    """The approved units of an XLIFF 1.2 file, and how many units were not approved.

    A unit counts as approved with ``approved="yes"`` or a target ``state`` of
    ``final`` or ``signed-off``.

    Raises:
        ExchangeError: not XLIFF 1.2, or a ``file`` without its languages.
    """
    from lxml import etree

    try:
        root = etree.parse(source, etree.XMLParser(resolve_entities=False)).getroot()
    except etree.XMLSyntaxError as exc:
        raise ExchangeError(f"{name}: not well-formed XML: {exc}") from None
    if root.tag != f"{{{XLIFF_NS}}}xliff" or root.get("version") != "1.2":
        raise ExchangeError(f"{name}: not an XLIFF 1.2 document")
    approved: list[HumanTranslation] = []
    not_approved = 0
    ns = {"x": XLIFF_NS}
    for file in root.iterfind("x:file", ns):
        source_tag, target_tag = file.get("source-language"), file.get("target-language")
        if not source_tag or not target_tag:
            raise ExchangeError(
                f"{name}: <file> on line {file.sourceline} needs source-language and "
                "target-language"
            )
        for unit in file.iterfind(".//x:trans-unit", ns):
            source_el, target_el = unit.find("x:source", ns), unit.find("x:target", ns)
            if source_el is None or target_el is None or not _text(target_el):
                not_approved += 1
                continue
            if unit.get("approved") != "yes" and target_el.get("state") not in APPROVED_STATES:
                not_approved += 1
                continue
            approved.append(
                HumanTranslation(
                    to_locale(source_tag),
                    _text(source_el),
                    to_locale(target_tag),
                    _text(target_el),
                )
            )
    return approved, not_approved


def write_xliff(
    stream: IO[bytes], source_locale: str, target_locale: str, units: Iterable[ReviewUnit]
) -> int:
    """Write an XLIFF 1.2 file for review; returns the number of units written.

    DeepL proposals go in with ``state="needs-review-translation"``, pending texts
    with an empty target and ``state="new"``.
    """
    from lxml import etree

    def tag(name: str) -> str:
        return f"{{{XLIFF_NS}}}{name}"

    root = etree.Element(tag("xliff"), version="1.2", nsmap={None: XLIFF_NS})  # type: ignore[dict-item]
    languages = {
        "original": "grenzenlos-catalog",
        "datatype": "html",
        "source-language": to_tag(source_locale),
        "target-language": to_tag(target_locale),
    }
    body = etree.SubElement(etree.SubElement(root, tag("file"), languages), tag("body"))
    written = 0
    for unit in units:
        element = etree.SubElement(body, tag("trans-unit"), id=unit.unit_id)
        etree.SubElement(element, tag("source")).text = _xml_safe(unit.source_text)
        target = etree.SubElement(element, tag("target"))
        if unit.target_text is None:
            target.set("state", "new")
        else:
            target.text = _xml_safe(unit.target_text)
            target.set("state", "needs-review-translation")
        etree.SubElement(element, tag("note")).text = _xml_safe(unit.note)
        written += 1
    stream.write(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return written

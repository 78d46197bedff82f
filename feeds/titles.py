"""Titles composed from a listing's parts, shortened by leaving out the least important.

A channel's `schemas.config.channel.TitleRule` lists the parts of its titles in the order
buyers read them: ``brand``, ``name``, ``size``, ``volume``, ``net_content``, or any
catalog attribute. The name is the localized catalog title less what another
part shows on its own: a leading brand and trailing attributes (``500 ml``,
``black``) come off the name and go back in at their place in the rule, keeping
the name's own wording. A part the name states elsewhere is not repeated, nor is
a quantity another part already shows (a volume that is also the net content).

A title longer than the channel allows loses the rule's ``drop_order`` parts
first, in that order; then the name is cut at a word boundary. A number never
loses its unit (``100 g``, ``1,5 l`` and ``42 EU`` are one word, see
`feeds.text.quantity_words`); a word is cut in half only when it alone is longer
than the room left (Chinese, which puts no spaces between words).

Titles within one feed are unique: a `TitleBook` (one per channel and run, in the
`feeds.contract.WriterContext`) remembers each title and the attributes of its
product. A product whose title is taken gets the first ``distinguish_by``
attribute that differs from the owner's added, and kept when shortening; when
none differs, it keeps the title and `Title.same_as` names the other product.
Feeds are written as a stream, so the product that comes first keeps the plain
title.

A variant of a product group (`schemas.listing.Listing.varies_by`) whose title another
product has already gets what its group varies by added first (its size, colour, volume),
before the rule's other ``distinguish_by`` parts; an axis the rule does not compare (a
TV's ``display_diagonal``) is always shown. Variants of one product differ in those
values, so they never share a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from hashlib import blake2b
from typing import TYPE_CHECKING

from feeds.text import cut_at_word, quantity_words
from schemas.product import Quantity
from schemas.text import clean_text

if TYPE_CHECKING:
    from collections.abc import MutableMapping, Sequence

    from schemas.config.channel import TitleRule
    from schemas.listing import Listing, TitleDraft

NO_BREAK_SPACE = "\u00a0"

_QUANTITY_WORD = re.compile(r"(?P<number>\d+(?:[.,]\d+)?)\s?(?P<unit>\D+)")
_UNIT_SYMBOLS = {
    **{unit: unit for unit in ("mg", "g", "kg", "oz", "lb", "ml", "cl", "l", "mm", "cm", "m")},
    **{"in": "in", "ft": "ft", "floz": "floz", "usfloz": "floz", "lbs": "lb", "inch": "in"},
    **{"zoll": "in", '"': "in", "liter": "l", "litre": "l", "m2": "m2", "m²": "m2"},
    **{"克": "g", "千克": "kg", "毫升": "ml", "升": "l", "厘米": "cm", "毫米": "mm", "英寸": "in"},
}
"""Unit words of titles (case-folded, spaces removed) and their `schemas.product` symbols."""
_AKENEO_QUANTITY = re.compile(r"(?P<number>\d+(?:\.\d+)?) (?P<unit>[A-Z_]+)")
"""A metric attribute as the Akeneo reader stores it (``22 INCH``)."""
_PUNCTUATION = " ,;:-–—/"


@dataclass(frozen=True, slots=True)
class Title:
    """A composed title.

    Attributes:
        text: The title as the feed carries it, at most the limit.
        full: The title with every part, before anything was left out or cut.
        left_out: Parts left out to fit, in the order they went.
        cut: Whether words were cut off at a word boundary: the name's, or (when the
            parts that must stay are longer than the limit) the title's last ones.
        added: Attributes added to tell the title apart from another product's.
        same_as: Sku of the product of the same feed that has this title already,
            when no ``distinguish_by`` attribute tells them apart; None otherwise.
    """

    text: str
    full: str
    left_out: tuple[str, ...] = ()
    cut: bool = False
    added: tuple[str, ...] = ()
    same_as: str | None = None

    @property
    def shortened(self) -> bool:
        """Whether a part was left out or words were cut off."""
        return bool(self.left_out) or self.cut


@dataclass(frozen=True, slots=True)
class _Value:
    """One part's text, its words as compared (case-folded) and its quantity, if any."""

    text: str
    folded: tuple[str, ...]
    quantity: Quantity | None = None
    words: tuple[str, ...] = ()
    """``text``'s words (`feeds.text.quantity_words`), as written."""


@dataclass
class TitleBook:
    """The titles of one feed so far: who has each, and that product's attributes.

    A feed may hold a million items, so each title is a digest of the title as the key,
    and the sku and the ``distinguish_by`` values in one string: about 200 bytes in a
    dict, or a row of a `feeds.scratch.ScratchStore` table when the build gives one (a
    feed's book then stays off the heap).

    Attributes:
        owners: Digest of the title (case-folded, single spaces) -> the sku and its
            ``distinguish_by`` values (case-folded, in the rule's order, empty when
            missing), separated by U+001F (a control character no cleaned text holds).
        last: The title claimed last, and by whom, until `release_last`.
    """

    owners: MutableMapping[bytes, str] = field(default_factory=dict)
    last: tuple[bytes, str] | None = None
    _looked_up: tuple[bytes, str | None] | None = field(default=None, init=False, repr=False)
    """The last key `owner` asked about and its entry: `compose_title` claims the title
    it asked about last, and on disk a lookup is a query."""

    def owner(self, title: str) -> tuple[str, list[str]] | None:
        """Who has ``title`` already, and that product's ``distinguish_by`` values."""
        key = _key(title)
        entry = self.owners.get(key)
        self._looked_up = (key, entry)
        if entry is None:
            return None
        sku, *values = entry.split(_SEPARATOR)
        return sku, values

    def claim(self, title: str, sku: str, values: Sequence[str]) -> None:
        """Note ``title`` as ``sku``'s, unless another product has it already."""
        key = _key(title)
        looked_up = self._looked_up
        self._looked_up = None
        if looked_up is not None and looked_up[0] == key:
            taken = looked_up[1] is not None
        else:
            taken = key in self.owners
        if taken:
            self.last = None
        else:
            self.owners[key] = _SEPARATOR.join((sku.replace(_SEPARATOR, " "), *values))
            self.last = (key, sku)

    def release_last(self) -> None:
        """Give the title claimed last back (its product did not go into the feed)."""
        if self.last is not None:
            key, sku = self.last
            if self.owners.get(key, "").split(_SEPARATOR, 1)[0] == sku:
                del self.owners[key]
        self.last = None
        self._looked_up = None


_SEPARATOR = "\x1f"


@lru_cache(maxsize=8)  # `compose_title` asks who owns a title, then claims it
def _key(title: str) -> bytes:
    return blake2b(" ".join(title.casefold().split()).encode(), digest_size=16).digest()


def rule_key(rule: TitleRule) -> str:
    """The rule as one string: a `schemas.listing.TitleDraft` composed by it says so.

    >>> from schemas.config.channel import TitleRule
    >>> rule_key(TitleRule(parts=["name", "brand"], drop_order=["brand"], distinguish_by=[]))
    'name,brand;brand;;0'
    """
    return ";".join(
        (
            ",".join(rule.parts),
            ",".join(rule.drop_order),
            ",".join(rule.distinguish_by),
            "1" if rule.no_break_units else "0",
        )
    )


def draft_title(listing: Listing, name: str, rule: TitleRule) -> TitleDraft | None:
    """The listing's title by ``rule`` with every part, before any limit or other title
    of a feed is looked at: what `compose_title` gives every channel with this rule whose
    limit it fits and whose feed has no product with the title yet. None without a name.

    >>> from schemas.listing import Listing
    >>> from schemas.config.channel import TitleRule
    >>> tea = Listing(sku="T1", market="CN", locale="zh_CN", text_locale="zh_CN",
    ...     title="Chamomile 100 g", description="", link="",
    ...     price=None, availability="in_stock", brand="Teegarten Sieben")  # type: ignore[arg-type]
    >>> draft = draft_title(tea, tea.title, TitleRule(distinguish_by=["brand"]))
    >>> draft.text, draft.length, draft.values
    ('Teegarten Sieben Chamomile 100 g', 32, ('teegarten sieben',))
    """
    from schemas.listing import TitleDraft

    if not name.strip():
        return None
    values = _values(listing, rule, listing.varies_by)
    varying = [p for p in listing.varies_by if p in values and p != "name"]
    forced = [p for p in varying if p not in rule.distinguish_by]
    order, words, _, _ = _parts(name, values, rule, forced)
    full = _join(order, words)
    text = _no_break(full) if rule.no_break_units else full
    mine = tuple(" ".join(values[p].folded) if p in values else "" for p in rule.distinguish_by)
    return TitleDraft(rule_key(rule), text, len(full), mine)


def compose_title(
    listing: Listing,
    name: str,
    rule: TitleRule,
    limit: int,
    book: TitleBook | None = None,
    draft: TitleDraft | None = None,
) -> Title:
    """The listing's title by ``rule``, at most ``limit`` characters, unique in ``book``.

    Args:
        listing: The localized listing the parts come from.
        name: Its title as plain text (`schemas.text.clean_text`).
        rule: The channel's title rule.
        limit: Most characters the channel takes.
        book: The feed's titles so far; the title is claimed in it.
        draft: The title `draft_title` composed for this listing, name and rule (in the
            market's ``localize_shard`` task, for all its channels): taken as it is when it
            fits ``limit`` and no other product has it, else the title is composed here.

    >>> from schemas.listing import Listing
    >>> from schemas.config.channel import TitleRule
    >>> tea = Listing(sku="T1", market="CN", locale="zh_CN", text_locale="zh_CN",
    ...     title="Teegarten Sieben Chamomile 100 g", description="", link="",
    ...     price=None, availability="in_stock", brand="Teegarten Sieben")  # type: ignore[arg-type]
    >>> compose_title(tea, tea.title, TitleRule(drop_order=["brand"]), 30).text
    'Chamomile 100 g'
    """
    if not name.strip():
        return Title("", "")  # no name, no title: the writer reports it empty
    if draft is not None and draft.length <= limit:
        # Most titles fit and are the feed's first: the draft is the title.
        if book is None:
            return Title(draft.text, draft.text)
        taken = book.owner(draft.text)
        if taken is None or taken[0] == listing.sku:
            book.claim(draft.text, listing.sku, draft.values)
            return Title(draft.text, draft.text)
    values = _values(listing, rule, listing.varies_by)
    # What the group varies by tells its variants apart first; a part the rule does not
    # compare (a TV's display_diagonal) is shown from the start.
    varying = [p for p in listing.varies_by if p in values and p != "name"]
    forced = [p for p in varying if p not in rule.distinguish_by]
    added: list[str] = []
    title = _fit(name, values, rule, limit, forced)
    if book is None:
        return title
    mine = [" ".join(values[p].folded) if p in values else "" for p in rule.distinguish_by]
    candidates = sorted(
        zip(rule.distinguish_by, range(len(mine)), strict=True),
        key=lambda pair: pair[0] not in varying,
    )
    tried: set[str] = set()
    while (taken := book.owner(title.text)) is not None and taken[0] != listing.sku:
        other_sku, other = taken
        differing = next(
            (
                part
                for part, at in candidates
                if part not in tried and mine[at] and mine[at] != other[at]
            ),
            None,
        )
        if differing is None:
            title = replace(title, same_as=other_sku)
            break
        tried.add(differing)
        added.append(differing)
        title = _fit(name, values, rule, limit, [*forced, *added])
    book.claim(title.text, listing.sku, mine)
    return replace(title, added=tuple(added)) if added else title


def _fit(
    name: str, values: dict[str, _Value], rule: TitleRule, limit: int, forced: Sequence[str]
) -> Title:
    """Compose the title with every part it can show, then shorten it to ``limit``."""
    order, words, name_words, forced = _parts(name, values, rule, forced)
    full = _join(order, words)
    left_out: list[str] = []
    cut = False
    if len(full) <= limit:  # most titles fit as they are
        text = full
    else:
        text, cut = _shorten(order, words, name_words, rule, limit, forced, left_out)
    if rule.no_break_units:
        text = _no_break(text)
        full = _no_break(full)
    return Title(text, full, tuple(left_out), cut)


def _no_break(text: str) -> str:
    """``text`` with each number and its unit joined by a no-break space."""
    return " ".join(w.replace(" ", NO_BREAK_SPACE) for w in quantity_words(text))


def _parts(
    name: str, values: dict[str, _Value], rule: TitleRule, forced: Sequence[str]
) -> tuple[list[str], dict[str, tuple[str, ...]], list[str], list[str]]:
    """The parts the title shows in their order, the words of each, the name's words
    (less what the parts show) and the parts that must stay (``forced`` and the
    distinguishing attributes the name ended with)."""
    name_words = quantity_words(name)
    shown: dict[str, tuple[str, ...]] = {}
    wanted = [p for p in (*rule.parts, *forced) if p != "name" and p in values]
    # A distinguishing attribute the name ends with ("... Headphones black") is kept
    # like an added one when the name is cut: it is what tells the product apart.
    telling = [p for p in rule.distinguish_by if p in values and p not in wanted]
    # Parts the name holds at its start (the brand) or end (attributes) come off it,
    # keeping the name's wording, so each can go on its own when the title is too long.
    stripped = True
    ends: list[str] = []
    while stripped:
        stripped = False
        for part in (*wanted, *telling):
            size = len(values[part].folded)
            if part in shown or size >= len(name_words):
                continue
            edge = name_words[:size] if part == "brand" else name_words[-size:]
            if _same(edge, values[part]):
                shown[part] = tuple(edge)
                del name_words[slice(0, size) if part == "brand" else slice(-size, None)]
                stripped = True
                if part in telling:
                    ends.insert(0, part)
    forced = [*forced, *ends]
    for part in wanted:
        if part in shown:
            continue
        value = values[part]
        if _contains(name_words, value) or any(
            _same(list(words), value) for words in shown.values()
        ):
            continue  # the name (or another part) says it already
        shown[part] = value.words
    order = [p for p in rule.parts if p == "name" or p in shown]
    order += [p for p in forced if p not in order and p in shown]
    words = {**shown, "name": tuple(name_words)}
    return order, words, name_words, forced


def _shorten(
    order: list[str],
    words: dict[str, tuple[str, ...]],
    name_words: list[str],
    rule: TitleRule,
    limit: int,
    forced: Sequence[str],
    left_out: list[str],
) -> tuple[str, bool]:
    """The title of ``order`` shortened to ``limit`` (parts that go are added to
    ``left_out``), and whether words were cut off."""
    cut = False
    for part in rule.drop_order:
        if len(_join(order, words)) <= limit:
            break
        if part in order and part not in forced:
            order.remove(part)
            left_out.append(part)
    if len(_join(order, words)) > limit and name_words:
        # The name is cut next; before it would lose its first word, the parts the
        # rule keeps go too, the last first (forced ones stay: they tell titles apart).
        for part in [p for p in reversed(order) if p != "name" and p not in forced]:
            if _room(order, words, limit) >= len(name_words[0]):
                break
            order.remove(part)
            left_out.append(part)
        room = _room(order, words, limit)
        if room < len(" ".join(name_words)):
            name = cut_at_word(" ".join(name_words), max(room, 0)).rstrip(_PUNCTUATION)
            words["name"] = tuple(quantity_words(name))
            cut = True
    text = _join(order, words)
    if len(text) > limit:  # the parts that must stay are longer than the limit
        text = cut_at_word(text, limit)
        cut = True
    return text, cut


def _join(order: Sequence[str], words: dict[str, tuple[str, ...]]) -> str:
    return " ".join(" ".join(words[part]) for part in order if words[part])


def _room(order: Sequence[str], words: dict[str, tuple[str, ...]], limit: int) -> int:
    """Characters left for the name when the other parts of ``order`` are shown."""
    others = _join([p for p in order if p != "name"], words)
    return limit - len(others) - (1 if others else 0)


def _same(words: Sequence[str], value: _Value) -> bool:
    """Whether ``words`` (of a name) say what ``value`` says: same words, or one
    quantity equal to the value's (``1000 ml`` for ``1 l``)."""
    if len(words) == len(value.folded) and tuple(map(str.casefold, words)) == value.folded:
        return True
    if value.quantity is None or len(words) != 1:
        return False
    quantity = _quantity_of(words[0])
    return quantity is not None and _equal(quantity, value.quantity)


def _contains(words: Sequence[str], value: _Value) -> bool:
    """Whether ``value`` is among ``words``."""
    size = len(value.folded)
    folded = tuple(map(str.casefold, words))  # once, not once per place (`_same`)
    return any(folded[i : i + size] == value.folded for i in range(len(folded) - size + 1)) or (
        value.quantity is not None and any(_same([word], value) for word in words)
    )


def _quantity_of(word: str) -> Quantity | None:
    """The quantity a title word states (``500 ml``, ``1,5 l``, ``250毫升``), if any."""
    match = _QUANTITY_WORD.fullmatch(word)
    if match is None:
        return None
    unit = _UNIT_SYMBOLS.get(match["unit"].replace(" ", "").casefold())
    if unit is None:
        return None
    try:
        return Quantity(Decimal(match["number"].replace(",", ".")), unit)
    except InvalidOperation:
        return None


def _equal(first: Quantity, second: Quantity) -> bool:
    """Whether two quantities are the same to half a percent (``1000 ml`` and ``1 l``)."""
    from transforms.measures.units import KIND, convert

    if KIND.get(first.unit) != KIND.get(second.unit) or first.unit not in KIND:
        return False
    if second.value == 0:
        return first.value == 0
    return abs(convert(first, second.unit).value - second.value) <= second.value / 200


def _values(listing: Listing, rule: TitleRule, varying: Sequence[str] = ()) -> dict[str, _Value]:
    """Every part the rule may show or compare that the listing has, but the name, and
    the parts its group varies by."""
    values: dict[str, _Value] = {}
    for part in dict.fromkeys((*rule.parts, *rule.distinguish_by, *varying)):
        if part == "name":
            continue
        value = _value(listing, part)
        if value is not None:
            values[part] = value
    return values


def part_text(listing: Listing, part: str) -> str | None:
    """One part of ``listing`` (``size``, ``volume``, ``color``, any catalog attribute) as
    buyers of its locale read it, as titles show it; None when it has none."""
    value = _value(listing, "size" if part in ("eu_shoes_size", "clothing_size") else part)
    return value.text if value is not None else None


def _value(listing: Listing, part: str) -> _Value | None:
    """One part of ``listing`` as buyers of its locale read it; None when it has none."""
    quantity: Quantity | None = None
    text: str | None
    if part == "brand":
        text = listing.brand
    elif part == "size":
        text = listing.size
        if text and listing.size_system and any(c.isdigit() for c in text):
            text = f"{text} {listing.size_system}"  # 42 EU; M needs no system
    elif part in ("volume", "net_content", "weight"):
        quantity = getattr(listing, part, None)
        text = _human(quantity, listing.locale) if quantity is not None else None
    elif part in ("mpn", "gtin"):
        text = getattr(listing, part)
    else:
        attributes = listing.attributes
        text = (
            attributes.get(f"{part}-{listing.locale}")
            or attributes.get(f"{part}-{listing.text_locale}")
            or attributes.get(part)
        )
        if text and (match := _AKENEO_QUANTITY.fullmatch(text.strip())):
            quantity = _akeneo_quantity(match["number"], match["unit"])
            if quantity is not None:
                text = _human(quantity, listing.locale)
    if not text:
        return None
    return _text_value(text, quantity)


@lru_cache(maxsize=4096)  # brands, sizes and attribute values repeat across products
def _text_value(text: str, quantity: Quantity | None) -> _Value | None:
    """A part's value from its text (cleaned like a title) and quantity; None when the
    text is empty once cleaned."""
    text = " ".join(clean_text(text).text.split())
    if not text:
        return None
    words = tuple(quantity_words(text))
    return _Value(text, tuple(word.casefold() for word in words), quantity, words)


def _akeneo_quantity(number: str, unit: str) -> Quantity | None:
    """A quantity from Akeneo's number and unit code, None for a unit we do not know."""
    from transforms.catalog.values import UNIT_ALIASES

    symbol = UNIT_ALIASES.get(unit)
    return None if symbol is None else Quantity(Decimal(number), symbol)


@lru_cache(maxsize=4096)  # a catalog has few distinct contents
def _human(quantity: Quantity, locale: str) -> str:
    """The quantity in CLDR's short form for ``locale``, one plain space before the unit."""
    from transforms.measures.units import human

    return " ".join(human(quantity, locale).split())

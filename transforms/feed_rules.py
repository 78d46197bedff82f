"""Rules the data team owns (``[[rules]]`` in a TOML file): a condition over a listing and
what to do when it holds, applied per channel before the writer's checks, as Channable's and
Productsup's if/then rules do.

    [[rules]]
    name = "France: brand first in bag titles"
    when = "market == 'FR' and 'bags' in categories"
    channels = ["google"]
    set = { title = "{brand} {title}", custom_label_1 = "bags" }

    [[rules]]
    name = "Low stock stays off Allegro"
    when = "quantity != None and quantity < 2"
    channels = ["allegro"]
    exclude = true

``when`` is one expression of comparisons (``==``, ``<``, ``in``), ``and``/``or``/``not``,
literals (lists and tuples too: ``sku in ('A-1', 'A-2')``) and the names in `NAMES`,
evaluated by simpleeval (a maintained evaluator of Python's
expression syntax that allows no calls, imports or attribute access beyond its whitelist:
no ``eval``). ``set`` takes the fields an overrides file takes (`transforms.overrides`);
a value may name listing fields in braces (``{brand} {title}``). Rules apply in the file's
order, a later rule's value over an earlier one's, and the channel's overrides file last.
A file that does not load (TOML syntax, an unknown key or name, an expression that does not
parse) stops at load with its line and the reason.
"""

from __future__ import annotations

import ast
import string
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from transforms.overrides import OVERRIDE_FIELDS, Override

if TYPE_CHECKING:
    from schemas.listing import Listing

NAMES: Final = (
    "market",
    "channel",
    "sku",
    "brand",
    "title",
    "categories",
    "price",
    "currency",
    "availability",
    "quantity",
    "condition",
    "group",
    "attributes",
)
"""What a condition (and a value in braces) may name: the listing's fields in the channel's
market (``price`` a number in the market's currency, ``categories`` the catalog's codes,
``quantity`` None when the catalog counts no stock, ``attributes`` the catalog's free
attributes: ``attributes['color'] == 'black'``)."""
_KEYS: Final = frozenset({"name", "when", "channels", "set", "exclude"})


class RulesError(ValueError):
    """A rules file that does not load; the message names the file, the line and why."""


@dataclass(frozen=True)
class FeedRule:
    """One ``[[rules]]`` entry, checked."""

    name: str
    when: str
    line: int
    channels: tuple[str, ...] = ()
    """Empty: every channel."""
    values: dict[str, str] = field(default_factory=dict)
    exclude: bool = False
    parsed: Any = None


def load_rules(text: str, source: str) -> list[FeedRule]:
    """The rules of a rules file's ``text``.

    Raises:
        RulesError: naming ``source``, the line and the reason.

    >>> text = '[[rules]]\\nname = "x"\\nwhen = "price > 10"\\nexclude = true\\n'
    >>> rules = load_rules(text, "r.toml")
    >>> [(r.name, r.line, r.exclude) for r in rules]
    [('x', 1, True)]
    >>> load_rules('[[rules]]\\nname = "x"\\nwhen = "price >"\\n', "r.toml")
    Traceback (most recent call last):
    ...
    transforms.feed_rules.RulesError: r.toml line 3: rule 'x': when does not parse: invalid syntax
    """
    from simpleeval import EvalWithCompoundTypes

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: {exc}") from None
    starts = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[rules]]"]
    entries = raw.get("rules", [])
    unknown = sorted(set(raw) - {"rules"})
    if unknown or not isinstance(entries, list):
        raise RulesError(f"{source}: only [[rules]] tables belong in a rules file, not {unknown}")
    checker = EvalWithCompoundTypes(names=dict.fromkeys(NAMES))
    rules = []
    for number, entry in enumerate(entries):
        line = starts[number] if number < len(starts) else 0
        name = str(entry.get("name") or f"rule {number + 1}")

        def fail(why: str, key: str | None = None, *, at: int = line, who: str = name) -> None:
            where = _line_of(text, key, at) if key else at
            raise RulesError(f"{source} line {where}: rule {who!r}: {why}")

        extra = sorted(set(entry) - _KEYS)
        if extra:
            fail(f"unknown key {', '.join(extra)} (a rule has {', '.join(sorted(_KEYS))})")
        when = entry.get("when")
        if not isinstance(when, str) or not when.strip():
            fail("when is missing: the condition the rule applies under")
        assert isinstance(when, str)
        try:
            parsed = checker.parse(when)
        except SyntaxError as exc:
            fail(f"when does not parse: {exc.msg}", "when")
        strange = sorted(
            {n.id for n in ast.walk(ast.parse(when, mode="eval")) if isinstance(n, ast.Name)}
            - set(NAMES)
            - {"None", "True", "False"}
        )
        if strange:
            fail(f"when names {', '.join(strange)}; a rule may name {', '.join(NAMES)}", "when")
        values = entry.get("set", {})
        if not isinstance(values, dict):
            fail("set must be a table of field = value", "set")
        wrong = sorted(set(values) - OVERRIDE_FIELDS)
        if wrong:
            fail(
                f"set names {', '.join(wrong)}; the fields: {', '.join(sorted(OVERRIDE_FIELDS))}",
                "set",
            )
        for key, value in values.items():
            for _, placeholder, spec, conversion in string.Formatter().parse(str(value)):
                if placeholder is not None and (placeholder not in NAMES or spec or conversion):
                    fail(f"set {key}: {{{placeholder}}} is not one of {', '.join(NAMES)}", "set")
        channels = entry.get("channels", [])
        if not isinstance(channels, list):
            fail("channels must be a list of channel names", "channels")
        rules.append(
            FeedRule(
                name=name,
                when=when,
                line=line,
                channels=tuple(str(c) for c in channels),
                values={str(k): str(v) for k, v in values.items()},
                exclude=bool(entry.get("exclude", False)),
                parsed=parsed,
            )
        )
    return rules


def rule_names(listing: Listing, channel: str) -> dict[str, Any]:
    """The names a condition sees for ``listing`` in ``channel`` (`NAMES`)."""
    return {
        "market": listing.market,
        "channel": channel,
        "sku": listing.sku,
        "brand": listing.brand or "",
        "title": listing.title,
        "categories": listing.categories,
        "price": listing.price.amount,
        "currency": listing.price.currency,
        "availability": listing.availability,
        "quantity": listing.quantity,
        "condition": listing.condition,
        "group": listing.group or "",
        "attributes": listing.attributes,
    }


def matching_overrides(
    rules: list[FeedRule], listing: Listing, channel: str
) -> tuple[list[Override], list[tuple[FeedRule, str]]]:
    """The changes the rules that hold for ``listing`` in ``channel`` make, as overrides
    (row: the rule's line); and the rules whose condition could not be judged, with why
    (a comparison of an empty value, say): those do not apply."""
    from simpleeval import EvalWithCompoundTypes

    names = rule_names(listing, channel)
    evaluator = EvalWithCompoundTypes(names=names)
    changes: list[Override] = []
    failed: list[tuple[FeedRule, str]] = []
    for rule in rules:
        if rule.channels and channel not in rule.channels:
            continue
        try:
            holds = bool(evaluator.eval(rule.when, previously_parsed=rule.parsed))
        except Exception as exc:  # noqa: BLE001 - any evaluation error: the rule does not apply
            failed.append((rule, f"{type(exc).__name__}: {exc}"))
            continue
        if not holds:
            continue
        origin = f"rule {rule.name!r} (line {rule.line})"
        for key, value in rule.values.items():
            text = value.format_map(names) if "{" in value else value
            changes.append(Override(listing.sku, key, text, rule.line, origin))  # type: ignore[arg-type]
        if rule.exclude:
            changes.append(Override(listing.sku, "exclude", "yes", rule.line, origin))
    return changes, failed


def _line_of(text: str, key: str, after: int) -> int:
    """The line of ``key = ...`` from line ``after`` on (the rule's own key)."""
    for number, line in enumerate(text.splitlines()[after - 1 :], after):
        if line.strip().startswith(f"{key} ") or line.strip().startswith(f"{key}="):
            return number
    return after

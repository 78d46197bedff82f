"""A feed channel's settings: the common `Channel` model (required attributes, title rule,
how its feeds are delivered) and the registry of the per-channel models.

A channel with settings of its own has a model in ``schemas/config/channels/<name>.py``
that extends `Channel` and is registered under the channel's name with
``@register_channel("<name>")``; a channel without any is registered with `Channel`
itself (``schemas/config/channels/__init__.py``). The config's ``[channels.<name>]``
table is validated by the model registered for ``<name>`` (`parse_channels`), and a
market may publish only to registered channels.

The registration also says what the rest of the configuration checks against: the
delivery methods the channel's feeds can be sent by (a market publishing to a channel
whose ``delivery`` is another method fails at load, `check_delivery_method`), and whether
it names its categories per storefront (`per_market_category_channels`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import (
    Field,
    SerializeAsAny,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from schemas.config.base import StrictModel
from schemas.config.delivery import Delivery, parse_delivery

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

Requirement = Literal[
    "title",
    "description",
    "link",
    "image_link",
    "price",
    "availability",
    "brand",
    "gtin",
    "mpn",
    "gtin_or_mpn",
    "weight",
    "dimensions",
    "bullet_points",
    "category",
]
"""Attributes a channel can require of a localized listing (see `transforms.completeness`)."""

_TITLE_PART = re.compile(r"^[a-z][a-z0-9_]*$")


class TitleRule(StrictModel):
    """How a channel composes its titles from a listing's parts (`feeds.titles`).

    A part is ``brand``, ``name`` (the catalog title, less what another part shows on
    its own), ``size`` (``42 EU``, ``M``), ``volume``, ``net_content``, ``mpn``, or any
    catalog attribute by its code (``color``, ``material``); a listing that lacks a part
    goes without it, and a part the name already states is not repeated. A catalog
    attribute goes in as the catalog writes it: Akeneo's ``color`` holds an option code
    (``black``) in no buyer's language, so list it as a part only where the names do
    not state the colour already.
    """

    parts: list[str] = Field(
        default_factory=lambda: ["brand", "name", "size", "volume", "net_content"]
    )
    """The parts in the order buyers read them; ``name`` must be one."""
    drop_order: list[str] = Field(default_factory=lambda: ["volume", "net_content", "size"])
    """Parts left out first, in this order, when the title is longer than the channel
    allows; then the name is cut at a word boundary (a number keeps its unit). Parts not
    listed stay unless the name would lose its first word. Default: volume, net_content
    and size, those of them the title has."""
    distinguish_by: list[str] = Field(
        default_factory=lambda: ["color", "size", "volume", "net_content", "material"]
    )
    """When two products of one feed would share a title, the first of these attributes
    whose value differs is added to the later one's title (and kept when shortening);
    when none differs, both keep the title and a ``duplicate_title`` finding names them.
    One the name ends with (``... Headphones black``) is kept when the name is cut."""
    no_break_units: bool = False
    """Join a number and its unit with a no-break space (U+00A0), so that a small screen
    never wraps between them; for channels that show it as a space."""

    @model_validator(mode="before")
    @classmethod
    def _default_drop_order(cls, data: object) -> object:
        # Without a drop_order, the default's parts that the title has go first.
        if isinstance(data, dict) and "parts" in data and "drop_order" not in data:
            parts = data["parts"]
            default = ("volume", "net_content", "size")
            data = {**data, "drop_order": [p for p in default if p in parts]}
        return data

    @field_validator("parts", "drop_order", "distinguish_by")
    @classmethod
    def _part_names(cls, value: list[str]) -> list[str]:
        for part in value:
            if not _TITLE_PART.match(part):
                raise ValueError(f"{part!r} is not a part name like brand or net_content")
        if len(set(value)) != len(value):
            raise ValueError("names a part twice")
        return value

    @model_validator(mode="after")
    def _name_is_kept(self) -> TitleRule:
        if "name" not in self.parts:
            raise ValueError("parts must include name")
        if "name" in self.drop_order or "name" in self.distinguish_by:
            raise ValueError("name is never dropped nor added: leave it out of drop_order")
        unknown = [part for part in self.drop_order if part not in self.parts]
        if unknown:
            raise ValueError(f"drop_order names parts the title does not have: {unknown}")
        return self


class Channel(StrictModel):
    """What every feed channel has, whatever the market; a channel's own settings are
    in its model (``schemas/config/channels/<name>.py``)."""

    required: list[Requirement] = Field(min_length=1)
    """Attributes a listing needs before it may go into this channel's feed."""
    title_length: Annotated[int, Field(ge=10, le=500)] | None = None
    """Shorter titles than the channel allows (small screens of a mobile storefront)."""
    title: TitleRule = Field(default_factory=TitleRule)
    """How titles are composed and shortened (``title = { parts = [...], ... }``)."""
    title_by_market: dict[str, TitleRule] = Field(default_factory=dict)
    """Per market code, a title rule used there instead of ``title``."""
    delivery: SerializeAsAny[Delivery] | None = None
    """How ``deliver_feeds`` sends this channel's feeds, a model per ``method``
    (`schemas.config.delivery`); None: it does not send them (a channel that fetches
    them has a ``public_url`` instead)."""
    public_url: Annotated[str, Field(pattern=r"^https?://")] | None = None
    """Where the marketplace fetches a market's file (idealo, Kaufland, Google's scheduled
    fetch); ``{market}`` and ``{file}`` are filled in. ``deliver_feeds`` checks that it
    serves the file just published (its sha256)."""
    public_url_connection: Annotated[str, Field(min_length=1)] | None = None
    """An Airflow connection whose login and password open ``public_url`` (basic auth)."""

    @field_validator("delivery", mode="before")
    @classmethod
    def _delivery_by_method(cls, value: Any) -> Any:
        return parse_delivery(value)


class OfferQuantity(StrictModel):
    """The settings of a channel whose offers state a quantity (Amazon, bol.com), mixed
    into its model (``class AmazonChannel(Channel, OfferQuantity)``): one setting, one
    meaning, whichever channel has it."""

    default_quantity: Annotated[int, Field(ge=0)] = 0
    """Units offered of an in-stock product whose catalog has no ``stock`` attribute; an
    out-of-stock product always offers 0."""


_Model = TypeVar("_Model", bound=Channel)


@dataclass(frozen=True, slots=True)
class _Registration:
    """What the configuration knows of a registered channel."""

    model: type[Channel]
    """The model of its ``[channels.<name>]`` table."""
    delivery_methods: frozenset[str]
    """The delivery methods its feeds can be sent by (its senders in
    `pipeline.channels`); empty for a channel that fetches its file or is not sent."""
    categories_per_market: bool
    """Whether it names its categories per storefront, in the storefront's language
    (`schemas.categories`)."""


_MODELS: dict[str, _Registration] = {}
"""Channel name -> its registration: settings model, delivery methods, category rule."""


def register_channel(
    name: str,
    *,
    delivery_methods: Iterable[str] | None = None,
    categories_per_market: bool | None = None,
) -> Callable[[type[_Model]], type[_Model]]:
    """Register ``name`` as a channel whose ``[channels.<name>]`` table the decorated
    model validates.

    Args:
        name: The channel's name.
        delivery_methods: The delivery methods its feeds can be sent by (names of
            `schemas.config.delivery`'s methods). None: those it is registered with
            already, else none.
        categories_per_market: Whether its marketplace names categories per storefront,
            in the storefront's language, so that the category mapping gives it a table
            of market = category (`schemas.categories`). None: as registered already,
            else no.

    Raises:
        ValueError: when the name is registered already with another model, other
            delivery methods or the other category rule.
    """

    def register(model: type[_Model]) -> type[_Model]:
        known = _MODELS.get(name)
        methods = frozenset(delivery_methods) if delivery_methods is not None else None
        if known is None:
            _MODELS[name] = _Registration(
                model, methods or frozenset(), bool(categories_per_market)
            )
            return model
        if known.model is not model:
            raise ValueError(f"channel {name!r} is registered already ({known.model.__name__})")
        if methods is not None and methods != known.delivery_methods:
            raise ValueError(
                f"channel {name!r} is registered already, sent by "
                f"{', '.join(sorted(known.delivery_methods)) or 'no delivery method'}"
            )
        if categories_per_market is not None and (
            categories_per_market != known.categories_per_market
        ):
            raise ValueError(
                f"channel {name!r} is registered already, with categories "
                f"{'per market' if known.categories_per_market else 'for every market'}"
            )
        return model

    return register


def _registry() -> dict[str, _Registration]:
    # The built-in channels' modules import this one: they are imported (and register)
    # on the first look-up rather than at import time.
    import_module("schemas.config.channels")
    return _MODELS


def registered_channels() -> list[str]:
    """Names of all registered channels (the built-in ones and any registered since)."""
    return sorted(_registry())


def channel_model(name: str) -> type[Channel]:
    """The settings model registered for channel ``name``.

    >>> channel_model("amazon").__name__, channel_model("kaufland").__name__
    ('AmazonChannel', 'Channel')

    Raises:
        KeyError: naming the registered channels.
    """
    try:
        return _registry()[name].model
    except KeyError:
        raise KeyError(
            f"no channel named {name!r} is registered; registered: "
            f"{', '.join(registered_channels())}"
        ) from None


def check_channel_name(name: str) -> str:
    """``name`` if it is a registered channel, else ValueError naming the registered ones."""
    if name not in _registry():
        raise ValueError(
            f"{name!r} is not a registered channel; registered: {', '.join(registered_channels())}"
        )
    return name


def delivery_methods_of(name: str) -> frozenset[str]:
    """The delivery methods channel ``name``'s feeds can be sent by.

    >>> sorted(delivery_methods_of("amazon")), sorted(delivery_methods_of("idealo"))
    (['sp_api'], [])

    Raises:
        KeyError: naming the registered channels.
    """
    channel_model(name)  # the error naming the registered ones
    return _registry()[name].delivery_methods


def per_market_category_channels() -> frozenset[str]:
    """The channels registered as naming their categories per storefront and language.

    >>> sorted(per_market_category_channels())
    ['idealo', 'kaufland']
    """
    return frozenset(name for name, known in _registry().items() if known.categories_per_market)


def check_delivery_method(market: str, name: str, channel: Channel) -> None:
    """Refuse, when the configuration is read, a delivery its channel cannot be sent by:
    ``deliver_feeds`` would find out only when it sends the market's file.

    Raises:
        ValueError: naming the market, the channel, the method and those the channel can
            be sent by.
    """
    if channel.delivery is None:
        return
    method = channel.delivery.method
    known = delivery_methods_of(name)
    if method not in known:
        can = ", ".join(sorted(known)) or "none: give it a public_url instead"
        raise ValueError(
            f"market {market} publishes to {name}, whose [channels.{name}] delivery method "
            f"{method!r} is not one the {name} channel can be sent by ({can})"
        )


def _owners(field: str) -> list[str]:
    """Registered channels whose model has a setting named ``field``."""
    return sorted(name for name, known in _registry().items() if field in known.model.model_fields)


def parse_channels(raw: Any) -> Any:
    """The ``[channels]`` tables, each validated by the model registered for its name.

    Anything but a table of tables goes through unchanged, for pydantic to judge. The
    errors keep their place (``google.required.1``); a setting the channel does not have
    names the channels that have it.

    Raises:
        ValidationError: one error per problem, at ``<name>.<field>``.
    """
    if not isinstance(raw, dict):
        return raw
    registry = {name: known.model for name, known in _registry().items()}
    parsed: dict[str, Any] = {}
    errors: list[InitErrorDetails] = []
    for name, table in raw.items():
        model = registry.get(name)
        if model is None:
            errors.append(
                {
                    "type": PydanticCustomError(
                        "unknown_channel",
                        "no channel named {name} is registered; registered: {known}",
                        {"name": repr(name), "known": ", ".join(registered_channels())},
                    ),
                    "loc": (name,),
                    "input": table,
                }
            )
            continue
        if isinstance(table, Channel) and isinstance(table, model):
            parsed[name] = table
            continue
        try:
            parsed[name] = model.model_validate(table)
        except ValidationError as exc:
            errors.extend(_placed(name, exc))
    if errors:
        raise ValidationError.from_exception_data("channels", errors)
    return parsed


def _placed(name: str, exc: ValidationError) -> list[InitErrorDetails]:
    """``exc``'s errors placed under channel ``name``; a setting the channel does not
    have says which channels have it."""
    placed: list[InitErrorDetails] = []
    for error in exc.errors():
        loc = (name, *error["loc"])
        if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
            field = str(error["loc"][0])
            owners = _owners(field)
            where = f"it is a setting of {', '.join(owners)}" if owners else "no channel has it"
            placed.append(
                {
                    "type": PydanticCustomError(
                        "channel_setting",
                        "{field} is not a setting of the {channel} channel ({where})",
                        {"field": field, "channel": name, "where": where},
                    ),
                    "loc": loc,
                    "input": error["input"],
                }
            )
            continue
        # Its own message, kept as written (a type of pydantic's needs its context).
        placed.append(
            {
                "type": PydanticCustomError(error["type"], "{msg}", {"msg": error["msg"]}),
                "loc": loc,
                "input": error["input"],
            }
        )
    return placed

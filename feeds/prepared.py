"""A listing's texts cleaned and its titles composed once per market, for all its channels.

Every writer of a market cleans the same title and description (`schemas.text.clean_text`)
and, where the channels share a title rule, composes the same title (`feeds.titles`). The
market's ``localize_shard`` task does it once per listing and carries the results in the
listing it stages (`schemas.listing.PreparedTexts`); each ``write_channel`` task takes
them from there (`feeds.contract.FeedWriter.plain` and ``title``), and only what a channel
does differently (a shorter limit, a title another product of its feed has) is worked out
in its task. The files are the same as when each writer does all of it itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feeds.titles import draft_title
from schemas.listing import PreparedTexts
from schemas.text import clean_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from schemas.config.channel import TitleRule
    from schemas.listing import Listing


def prepare_texts(listing: Listing, rules: Iterable[TitleRule]) -> PreparedTexts:
    """The listing's title and description cleaned, and its title composed by each of
    ``rules`` (the title rules of the market's channels, each once).

    >>> from schemas.config.channel import TitleRule
    >>> from schemas.listing import Listing
    >>> lamp = Listing(sku="L1", market="DE", locale="de_DE", text_locale="de_DE",
    ...     title="Leselampe &amp; Dimmer", description="<p>Warm<br>hell</p>", link="",
    ...     price=None, availability="in_stock", brand="Lichtform")  # type: ignore[arg-type]
    >>> prepared = prepare_texts(lamp, [TitleRule()])
    >>> prepared.description.text, prepared.titles[0].text
    ('Warm\\nhell', 'Lichtform Leselampe & Dimmer')
    """
    title = clean_text(listing.title)
    name = " ".join(title.text.split())
    drafts = (draft_title(listing, name, rule) for rule in rules)
    return PreparedTexts(
        title=title,
        description=clean_text(listing.description),
        titles=tuple(draft for draft in drafts if draft is not None),
    )

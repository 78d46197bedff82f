"""Euro foreign exchange reference rates in the ECB's ``eurofxref-daily.xml`` format.

The ECB publishes one file per TARGET working day: a ``gesmes:Envelope``
(namespace ``http://www.gesmes.org/xml/2002-08-01``) holding, in the default
namespace ``http://www.ecb.int/vocabulary/2002-08-01/eurofxref``,
``Cube/Cube[@time]/Cube[@currency][@rate]`` where ``rate`` is the price of one
euro in that currency. On weekends and holidays no new file appears, so a run
uses the latest working day's rates and records that day with every converted
price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO

GESMES_NS = "http://www.gesmes.org/xml/2002-08-01"
EUROFXREF_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"


class RatesError(ValueError):
    """The rates file is not in the ECB's format, or lacks a currency."""


@dataclass(frozen=True, slots=True)
class EcbRates:
    """One day's reference rates.

    Attributes:
        day: The TARGET working day the rates are for.
        per_euro: Units of each currency for one euro (EUR itself is 1).
    """

    day: date
    per_euro: dict[str, Decimal]

    def rate(self, source: str, target: str) -> Decimal:
        """Units of ``target`` for one unit of ``source`` (a cross rate through the euro).

        >>> rates = EcbRates(date(2026, 11, 20), {"EUR": Decimal(1), "USD": Decimal("1.0835"),
        ...                                        "CHF": Decimal("0.9363")})
        >>> rates.rate("EUR", "USD"), rates.rate("USD", "EUR") == 1 / Decimal("1.0835")
        (Decimal('1.0835'), True)

        Raises:
            RatesError: naming the currency the file does not quote.
        """
        for code in (source, target):
            if code not in self.per_euro:
                raise RatesError(f"the ECB rates of {self.day} quote no rate for {code}")
        return self.per_euro[target] / self.per_euro[source]


def parse_ecb_rates(stream: IO[bytes]) -> EcbRates:
    """Read an ``eurofxref-daily.xml`` document.

    Raises:
        RatesError: when the document is not in that format.
    """
    from lxml import etree

    try:
        root = etree.parse(stream).getroot()
    except etree.XMLSyntaxError as exc:
        raise RatesError(f"the rates file is not XML: {exc}") from None
    if root.tag != f"{{{GESMES_NS}}}Envelope":
        raise RatesError(f"the rates file's root is {root.tag}, not gesmes:Envelope")
    days = root.findall(f"{{{EUROFXREF_NS}}}Cube/{{{EUROFXREF_NS}}}Cube[@time]")
    if len(days) != 1:
        raise RatesError(f"expected the rates of one day, found {len(days)}")
    day = days[0]
    try:
        when = date.fromisoformat(day.get("time", ""))
        per_euro = {
            cube.get("currency", ""): Decimal(cube.get("rate", ""))
            for cube in day.findall(f"{{{EUROFXREF_NS}}}Cube")
        }
    except (ValueError, InvalidOperation) as exc:
        raise RatesError(f"the rates file has a malformed date or rate: {exc}") from None
    if not per_euro or any(len(code) != 3 or rate <= 0 for code, rate in per_euro.items()):
        raise RatesError("the rates file has no rates, or a rate that is not a positive number")
    per_euro["EUR"] = Decimal(1)
    return EcbRates(when, per_euro)

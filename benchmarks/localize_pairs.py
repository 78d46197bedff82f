"""Time the money and units step: price + units + unit price for product-market pairs.

    python benchmarks/localize_pairs.py --pairs 1000000

For every pair: `quote_price` (VAT re-basing, ECB conversion where the product
has no price in the market's currency, rounding, endings, cash rounding, the
step-by-step explanation), the shipping weight in the market's unit system, and
the unit price. Every product is distinct (seeded, pairs / 7 of them, each
going to the seven configured markets); weights and contents repeat as they
do in catalogs. As in a run, each market has one `Pricer` (steps planned once
per currency and tax class) and pint's conversion factors are computed once
per unit pair: pint's registry load and those factors are timed apart, before
the loop. Prints pairs per second on one core and peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.config.loader import load_config  # noqa: E402
from schemas.product import Money, Quantity  # noqa: E402
from transforms.measures.units import KIND, factor, for_market  # noqa: E402
from transforms.pricing.ecb_rates import parse_ecb_rates  # noqa: E402
from transforms.pricing.money import PriceProblem, Pricer, unit_price  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    args = parser.parse_args()
    config = load_config(ROOT / "config" / "markets.toml")
    with (ROOT / "examples" / "ecb" / "eurofxref-daily.xml").open("rb") as stream:
        rates = parse_ecb_rates(stream)
    markets = list(config.markets.values())
    rng = random.Random(5)
    products = []
    for _ in range(-(-args.pairs // len(markets))):
        euros = Decimal(rng.randint(199, 99999)).scaleb(-2)
        prices = {"EUR": Money(euros, "EUR")}
        if rng.random() < 0.3:
            prices["USD"] = Money((euros * Decimal("1.09")).quantize(Decimal("0.01")), "USD")
        weight = Quantity(Decimal(rng.randint(50, 5000)), "g")
        content = Quantity(Decimal(rng.choice((100, 250, 500, 750, 1000))), rng.choice(("g", "ml")))
        products.append((prices, rng.choice(("standard", "reduced")), weight, content))

    started = time.perf_counter()
    for source in KIND:
        for target in KIND:
            if KIND[source] == KIND[target]:
                factor(source, target)
    warm_up = time.perf_counter() - started
    pricers = [(Pricer(market, config.pricing, rates), market) for market in markets]

    started = time.perf_counter()
    done = problems = 0
    for prices, tax_class, weight, content in products:
        for pricer, market in pricers:
            try:
                quote = pricer.quote(prices, tax_class)
            except PriceProblem:
                problems += 1
            else:
                for_market(weight, market.units)
                if market.unit_pricing:
                    unit_price(quote.price, content)
            done += 1
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pint + factors      {warm_up:>11.1f} s (once per process)")
    print(f"pairs               {done:>12,}")
    print(f"seconds             {seconds:>11.1f}")
    print(f"pairs per second    {done / seconds:>12,.0f}")
    print(f"without a price     {problems:>12,}")
    print(f"peak RSS            {peak_mib:>11.1f} MiB")


if __name__ == "__main__":
    main()

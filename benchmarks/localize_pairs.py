"""Time the money and units step: price + units + unit price for product-market pairs.

    python benchmarks/localize_pairs.py --pairs 1000000

For every pair: `quote_price` (VAT re-basing, ECB conversion where the product
has no price in the market's currency, rounding, endings, cash rounding, the
step-by-step explanation), the shipping weight in the market's unit system, and
the unit price with its local text. Products (5,000 distinct, seeded) cycle
through the seven configured markets. Conversion factors are cached per unit
pair, as in a run. Prints pairs per second on one core and peak RSS.
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

from schemas.market import load_config  # noqa: E402
from schemas.product import Money, Quantity  # noqa: E402
from transforms.ecb_rates import parse_ecb_rates  # noqa: E402
from transforms.money import PriceProblem, quote_price, unit_price  # noqa: E402
from transforms.units import for_market  # noqa: E402

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
    for _ in range(5000):
        euros = Decimal(rng.randint(199, 99999)).scaleb(-2)
        prices = {"EUR": Money(euros, "EUR")}
        if rng.random() < 0.3:
            prices["USD"] = Money((euros * Decimal("1.09")).quantize(Decimal("0.01")), "USD")
        weight = Quantity(Decimal(rng.randint(50, 5000)), "g")
        content = Quantity(Decimal(rng.choice((100, 250, 500, 750, 1000))), rng.choice(("g", "ml")))
        products.append((prices, rng.choice(("standard", "reduced")), weight, content))

    started = time.perf_counter()
    done = problems = 0
    while done < args.pairs:
        for prices, tax_class, weight, content in products:
            for market in markets:
                try:
                    quote = quote_price(prices, tax_class, market, config.pricing, rates)
                except PriceProblem:
                    problems += 1
                else:
                    for_market(weight, market.units)
                    if market.unit_pricing:
                        unit_price(quote.price, content)
                done += 1
                if done >= args.pairs:
                    break
            if done >= args.pairs:
                break
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pairs               {done:>12,}")
    print(f"seconds             {seconds:>11.1f}")
    print(f"pairs per second    {done / seconds:>12,.0f}")
    print(f"without a price     {problems:>12,}")
    print(f"peak RSS            {peak_mib:>11.1f} MiB")


if __name__ == "__main__":
    main()

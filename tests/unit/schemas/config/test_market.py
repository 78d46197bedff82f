"""`schemas.config.market.Market`: which markets share a translation."""

from __future__ import annotations

import pytest

from schemas.config.market import Market


@pytest.mark.parametrize(
    ("locale", "formality", "unit"),
    [
        ("pt_PT", "less", ("PT-PT", "less", "")),
        ("zh_CN", "more", ("ZH-HANS", "", "")),  # Chinese takes no formality
        ("en_GB", "prefer_more", ("EN-GB", "", "")),
        ("ja_JP", "default", ("JA", "", "")),
    ],
)
def test_translation_unit_per_market(
    locale: str, formality: str, unit: tuple[str, str, str]
) -> None:
    market = Market.model_validate(
        {
            "code": "XX",
            "country": locale[-2:],
            "locale": locale,
            "currency": "EUR",
            "channels": ["google"],
            "product_url": "https://shop.example/{sku}",
            "formality": formality,
        }
    )
    assert market.translation_unit == unit
    variant = market.model_copy(update={"translation_variant": True})
    assert variant.translation_unit == (*unit[:2], locale)

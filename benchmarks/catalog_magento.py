"""Time the Magento export reader on a synthetic export; report its rate and peak memory.

    python benchmarks/catalog_magento.py --products 100000

Writes an export with Magento's full header (91 columns, as 2.4 writes them) into a
temporary folder: four products in ten are simple products on their own, the others
variants of configurables (six each, colour x size, written before their configurable as
Magento does), every tenth product with a German store-view row. Then reads it through
`read_magento` (both passes) and prints products per second and the process's peak
resident memory (and the rate per CPU second, which other work on the machine does not
slow). Run it at 10k, 100k and 1M products: peak memory should stay nearly flat
(the first pass keeps about 100 bytes per variant sku).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reading import read_all, report  # noqa: E402
from schemas.config.catalog import CatalogSource  # noqa: E402
from transforms.catalog.magento.reader import read_magento  # noqa: E402

HEADER = (
    "sku,store_view_code,attribute_set_code,product_type,categories,product_websites,name,"
    "description,short_description,weight,product_online,tax_class_name,visibility,price,"
    "special_price,special_price_from_date,special_price_to_date,url_key,meta_title,"
    "meta_keywords,meta_description,base_image,base_image_label,small_image,small_image_label,"
    "thumbnail_image,thumbnail_image_label,swatch_image,swatch_image_label,created_at,"
    "updated_at,new_from_date,new_to_date,display_product_options_in,map_price,msrp_price,"
    "map_enabled,gift_message_available,custom_design,custom_design_from,custom_design_to,"
    "custom_layout_update,page_layout,product_options_container,"
    "msrp_display_actual_price_type,country_of_manufacture,additional_attributes,qty,"
    "out_of_stock_qty,use_config_min_qty,is_qty_decimal,allow_backorders,"
    "use_config_backorders,min_cart_qty,use_config_min_sale_qty,max_cart_qty,"
    "use_config_max_sale_qty,is_in_stock,notify_on_stock_below,use_config_notify_stock_qty,"
    "manage_stock,use_config_manage_stock,use_config_qty_increments,qty_increments,"
    "use_config_enable_qty_inc,enable_qty_increments,is_decimal_divided,website_id,"
    "deferred_stock_update,use_config_deferred_stock_update,related_skus,related_position,"
    "crosssell_skus,crosssell_position,upsell_skus,upsell_position,additional_images,"
    "additional_image_labels,hide_from_product_page,custom_options,bundle_price_type,"
    "bundle_sku_type,bundle_price_view,bundle_weight_type,bundle_values,bundle_shipment_type,"
    "associated_skus,downloadable_links,downloadable_samples,configurable_variations,"
    "configurable_variation_labels"
).split(",")
COLORS = ("Black", "Blue", "Red")
SIZES = ("S", "M")
DESCRIPTION = (
    "<p>The {name} keeps you warm on cold mornings: brushed fleece inside, a roomy "
    "kangaroo pocket and a lined hood with drawstrings.</p><ul><li>Cotton, polyester</li>"
    "<li>Machine wash cold</li></ul>"
)


def _row(**values: str) -> list[str]:
    base = {
        "attribute_set_code": "Top",
        "product_websites": "base",
        "product_online": "1",
        "tax_class_name": "Taxable Goods",
        "visibility": "Catalog, Search",
        "created_at": "10/5/20, 4:58 PM",
        "updated_at": "10/5/20, 4:58 PM",
        "display_product_options_in": "Block after Info Column",
        "msrp_display_actual_price_type": "Use config",
        "out_of_stock_qty": "0",
        "use_config_min_qty": "1",
        "is_qty_decimal": "0",
        "allow_backorders": "0",
        "use_config_backorders": "1",
        "min_cart_qty": "1",
        "max_cart_qty": "10000",
        "is_in_stock": "1",
        "manage_stock": "1",
        "use_config_manage_stock": "1",
        "website_id": "0",
        **values,
    }
    return [base.get(column, "") for column in HEADER]


def generate(path: Path, products: int) -> None:
    """Write a synthetic export of about ``products`` products (variants included)."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(HEADER)
        written = 0
        number = 0
        while written < products:
            number += 1
            if number % 5:  # a simple product on its own
                sku = f"24-MB{number:07d}"
                name = f"Joust Duffle Bag {number}"
                out.writerow(
                    _row(
                        sku=sku,
                        product_type="simple",
                        categories="Default Category/Gear,Default Category/Gear/Bags",
                        name=name,
                        description=DESCRIPTION.format(name=name),
                        short_description="<ul><li>Padded strap</li><li>Zip pocket</li></ul>",
                        weight="1.2",
                        price="34.0000",
                        special_price="29.0000" if number % 7 == 0 else "",
                        special_price_from_date="2/1/17" if number % 7 == 0 else "",
                        url_key=f"joust-duffle-bag-{number}",
                        base_image=f"/m/b/mb{number}-blue-0.jpg",
                        small_image=f"/m/b/mb{number}-blue-0.jpg",
                        thumbnail_image=f"/m/b/mb{number}-blue-0.jpg",
                        additional_images=f"/m/b/mb{number}-blue-1.jpg,/m/b/mb{number}-blue-2.jpg",
                        additional_attributes="activity=Gym|Hiking,material=Nylon,new=No",
                        qty="100.0000",
                    )
                )
                written += 1
                if number % 10 == 1:
                    out.writerow(
                        _row(sku=sku, store_view_code="german", name=f"Joust Sporttasche {number}")
                    )
                continue
            parent = f"MH{number:07d}"
            name = f"Chaz Kangeroo Hoodie {number}"
            variations = []
            for color in COLORS:
                for size in SIZES:
                    child = f"{parent}-{size}-{color}"
                    variations.append(f"sku={child},color={color},size={size}")
                    out.writerow(
                        _row(
                            sku=child,
                            product_type="simple",
                            name=f"{name}-{size}-{color}",
                            weight="1",
                            visibility="Not Visible Individually",
                            price="52.0000",
                            url_key=f"{parent}-{size}-{color}".lower(),
                            base_image=f"/m/h/{parent}-{color}_main.jpg".lower(),
                            additional_attributes=f"color={color},size={size}",
                            qty="100.0000",
                        )
                    )
                    written += 1
            out.writerow(
                _row(
                    sku=parent,
                    product_type="configurable",
                    categories="Default Category/Men/Tops/Hoodies & Sweatshirts",
                    name=name,
                    description=DESCRIPTION.format(name=name),
                    short_description="<ul><li>Kangaroo pocket</li><li>Drawstring hood</li></ul>",
                    url_key=f"chaz-kangeroo-hoodie-{number}",
                    base_image=f"/m/h/{parent}-black_main.jpg".lower(),
                    additional_images=f"/m/h/{parent}-black_alt1.jpg".lower(),
                    additional_attributes="material=Cotton|Polyester,pattern=Solid,climate=Cool",
                    configurable_variations="|".join(variations),
                    configurable_variation_labels="color=Color,size=Size",
                )
            )
            if number % 10 == 3:
                out.writerow(
                    _row(
                        sku=parent,
                        store_view_code="german",
                        name=f"Kapuzenpulli Chaz {number}",
                        description="<p>Warm.</p>",
                    )
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        path = Path(tmp) / "export_catalog_product.csv"
        started = time.perf_counter()
        generate(path, args.products)
        generated = time.perf_counter()
        source = CatalogSource(
            format="magento",
            path=str(path),
            currency="USD",
            locale="en_US",
            locales={"german": "de_DE"},
            weight_unit="lbs",
        )
        reading = read_all(read_magento(path, source))
        size_mib = path.stat().st_size / 2**20
    report("magento", reading, file_mib=size_mib, written_seconds=generated - started)


if __name__ == "__main__":
    main()

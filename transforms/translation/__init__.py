"""Translation: what the markets' locales lack, through the memory, translators and DeepL.

- `planning`: which segments a run needs (per market and product);
- `human_pairs`: translators' TMX/XLIFF files and the catalog's own localized texts
  into the memory as approved entries;
- `resolution`: a batch's segments through the memory, DeepL and the QA gate;
- `outcome`: the per-market outcome file, written and read back (`read_market_translations`);
- `report`: the run's report and the review files;
- `run`: `translate_catalog`, the run that streams the catalog through all of them;
- `memory`, `exchange` (TMX/XLIFF), `qa`, `glossary`, `deepl` (the DeepL client) and
  `deepl_connection` (its server URL from an Airflow connection's fields).
"""

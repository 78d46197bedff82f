"""The typed model of ``config/markets.toml`` and its loader, one idea per module.

Import a name from the module that defines it: `schemas.config.loader.load_config`,
`schemas.config.pipeline.PipelineConfig`, `schemas.config.market.Market`, ...
"""

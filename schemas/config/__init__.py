"""Markets as data: the typed model of ``config/markets.toml`` and its loader.

Adding a country is a change to the TOML file, not to code. A config that does not fit
the model fails at load (`schemas.config.loader.load_config`) with
`schemas.config.base.ConfigError`, whose message names the market and the field. One
module per idea: ``base`` (the strict model and shared checks), ``catalog``, ``channel``,
``market``, ``pricing``, ``pipeline`` (the whole config) and ``loader``; import a name
from the module that defines it.
"""

"""Prices for a market: exchange rates (the ECB's reference rates and how fresh they
are) and the money pipeline that turns a catalog price into a market's shelf price."""

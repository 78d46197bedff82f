"""Units and sizes for a market: measurement conversion (pint) and clothing and shoe
size tables."""

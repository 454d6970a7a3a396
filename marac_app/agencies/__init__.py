"""MARAC areas and the agencies that take part in them."""

"""The notifications tests use the distribution feature's real approved meeting (``dw``):
two cases with named people, agreed actions and approved minutes."""

from tests.distribution.world import dw  # noqa: F401 - a real approved meeting (fixture)

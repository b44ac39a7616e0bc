"""The version, at the bottom of the house: every floor may read it."""

__version__ = "0.1.0"

"""The package version, in one place: the card and the run record name it."""

__version__ = "0.1.0"

"""troly — Trợ lý CCHC."""

__version__ = "0.1.0"

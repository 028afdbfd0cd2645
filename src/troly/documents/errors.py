"""The one error type of document reading (re-exported by :mod:`troly.documents`)."""

from __future__ import annotations


class DocumentError(ValueError):
    """A document that cannot be read or parsed; the message is shown to the user."""

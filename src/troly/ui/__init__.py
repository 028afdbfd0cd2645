"""Gradio user interface (mounted at ``/ui/`` by :func:`troly.api.create_app`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from troly.api.state import AppState


def build_ui(state: AppState) -> Any:
    """The chat Blocks (imports Gradio only when called)."""
    from troly.ui.chat import build_ui as _build

    return _build(state)


__all__ = ["build_ui"]

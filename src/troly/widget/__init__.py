"""The embeddable chat widget: ``static/widget.js`` (plain JavaScript, no build step) and
the ``/demo`` host page. Served by :mod:`troly.api.routes.web`."""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
WIDGET_JS = STATIC_DIR / "widget.js"
DEMO_HTML = STATIC_DIR / "demo.html"

__all__ = ["DEMO_HTML", "STATIC_DIR", "WIDGET_JS"]

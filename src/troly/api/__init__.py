"""HTTP API: ``create_app(services)`` builds the FastAPI app from injected parts."""

from troly.api.app import create_app

__all__ = ["create_app"]

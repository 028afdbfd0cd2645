"""Routers of the HTTP API, one module per area; ``create_app`` includes them."""

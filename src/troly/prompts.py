"""Prompt templates live in ``prompts/*.j2``; this module only loads and renders them."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class PromptError(RuntimeError):
    pass


class Prompts:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def render(self, template: str, /, **values: Any) -> str:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

        env = Environment(
            loader=FileSystemLoader(str(self.folder)),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            autoescape=False,
        )
        try:
            return env.get_template(f"{template}.j2").render(**values).strip()
        except TemplateNotFound as exc:
            raise PromptError(f"prompt template {template}.j2 not found in {self.folder}") from exc

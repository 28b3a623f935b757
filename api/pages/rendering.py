"""Rendering the pages people use: Jinja2 templates (autoescaped), in Simplified Chinese."""

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from notifications.render import local_time

PAGES_DIR = Path(__file__).parent
STATIC_DIR = PAGES_DIR / "static"


@lru_cache
def page_templates() -> Jinja2Templates:
    # Built on first use, not at import; `.html` templates are autoescaped by Jinja2Templates.
    templates = Jinja2Templates(directory=PAGES_DIR / "templates")
    templates.env.filters["local_time"] = local_time
    return templates


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from `template` with `context`; every page gets the request (for url_for) and its title."""
    return page_templates().TemplateResponse(request, template, context, status_code=status_code)

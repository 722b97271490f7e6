"""The Jinja2 environment of the pages: autoescape on everywhere, and the few filters the templates need.

Archived text is untrusted: nothing in a template marks it safe, so every title, text and URL is escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.requests import Request

from archive.clock import local
from archive.display import shown
from archive.vocab import NEVER_RUN, CoverageStatus, Family, Kind, ReportStatus, RunStatus, label, labels

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def is_web_url(url: str | None) -> bool:
    """Only http(s) addresses become links: an archived `javascript:` URL stays text."""
    return bool(url) and urlsplit(str(url)).scheme in ("http", "https")


def with_query(request: Request, **changes: Any) -> str:
    """This page's address with some query parameters changed (None removes one); offsets reset unless given."""
    params = {k: v for k, v in request.query_params.items() if v != ""}
    if "offset" not in changes:
        params.pop("offset", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def _inert(value: Any) -> Any:
    """Every value a template prints, control characters and bidi overrides made visible (archive.display); the
    HTML a template builds itself (Markup) is left as it is."""
    return shown(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        finalize=_inert,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = local
    env.filters["kind_label"] = lambda kind: label(Kind, kind)
    env.filters["status_label"] = lambda status: label(ReportStatus, status)
    env.filters["coverage_label"] = lambda status: label(CoverageStatus, status)
    env.filters["family_label"] = lambda family: label(Family, family)
    env.filters["run_label"] = lambda status: label(RunStatus, status) if status else NEVER_RUN
    env.tests["web_url"] = is_web_url
    env.globals["with_query"] = with_query
    env.globals["KIND_LABELS"] = labels(Kind)
    env.globals["STATUS_LABELS"] = labels(ReportStatus)
    return env


def _public(request: Request) -> dict[str, Any]:
    """What every page may link with: the site's public address (the app's, never the request's Host)."""
    return {"base_url": request.app.state.base_url}


templates = Jinja2Templates(env=_environment(), context_processors=[_public])

"""The web application of `fazhi serve`: one engine per app, one session per request, pages, API and feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from archive.registry.sites import Site
from archive.store.handle import Archive
from archive.web import api, errors, feeds, pages
from archive.web.security import Guard

STATIC_DIR = Path(__file__).resolve().parent / "static"


def _version() -> str:
    try:
        return package_version("fazhi-archive")
    except PackageNotFoundError:
        return "0"


def create_app(archive: Archive, registry: Sequence[Site] = (), *, base_url: str = "http://127.0.0.1:8000/") -> FastAPI:
    """The app over an archive opened read-only (Archive.open(config, read_only=True)); it closes it on shutdown.

    `registry` is the site registry (`fazhi sites` shows the same), read by the caller. `base_url` is the public
    address (ending in `/`) that feeds, canonical links and citations use, whatever Host a request names.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        archive.close()

    app = FastAPI(
        title="Fazhi Archive",
        version=_version(),
        description="Read-only JSON API of an archive of governments' annual 法治政府建设 reports: the shapes of "
        "the `fazhi` command's `--json` output, a page at a time.",
        docs_url=None,  # the interactive docs need scripts, which the Content-Security-Policy forbids
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.sessions = archive.sessions
    app.state.registry = tuple(registry)
    app.state.base_url = base_url
    app.add_middleware(Guard)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(feeds.router)
    errors.install(app)
    return app

"""Failures as responses: the archive's own errors and bad parameters become a status and one line for people,
as an HTML page for a browser and `{"detail": ...}` under /api/ — never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from archive.errors import ArchiveError, BadUsage, NotFound
from archive.web.templating import templates

log = logging.getLogger("fazhi.web")

TITLES = {400: "请求有误", 404: "未找到", 405: "不支持的请求", 503: "存档暂不可用"}
# What each status means, in the site's language; the exact reason follows it as the archive words it.
EXPLANATIONS = {
    400: "这个请求的参数不能使用，请检查后再试。",
    404: "这个地址没有内容：报告或版本不存在，或者地址有误。",
    405: "本站只读，只接受 GET 和 HEAD 请求。",
    503: "存档暂时无法读取，请稍后再试。",
}


def status_of(exc: ArchiveError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, BadUsage):
        return 400
    return 503  # the archive itself cannot be read as it is (moved, migrated by a newer release, …)


def respond(request: Request, status: int, detail: str) -> Response:
    if request.url.path.startswith("/api/") or request.url.path.startswith("/feeds/"):
        return JSONResponse({"detail": detail}, status_code=status)
    context = {
        "title": TITLES.get(status, "出错了"),
        "explanation": EXPLANATIONS.get(status, "出错了。"),
        "status": status,
        "detail": detail,
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(ArchiveError)
    async def archive_error(request: Request, exc: ArchiveError) -> Response:
        return respond(request, status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)  # the shape /openapi.json documents
        return respond(request, 400, _describe(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"这里没有页面: {request.url.path}"
        return respond(request, exc.status_code, detail)

    @app.exception_handler(DBAPIError)
    async def database_failed(request: Request, exc: DBAPIError) -> Response:
        log.error("the archive database failed: %s", exc)
        lines = str(exc.orig or exc).strip().splitlines()
        return respond(request, 503, f"the archive database failed: {lines[0] if lines else type(exc).__name__}")


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "query")
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid parameters"

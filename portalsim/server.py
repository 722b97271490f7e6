"""HTTP plumbing for one simulated site: routing to its platform, test controls, conditional GET, the log."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from urllib.parse import parse_qsl, unquote, urlsplit

from portalsim import anhui, chrome, disclosure, gkmlpt, hanweb_jpage, jpaas, static, trs, ucap
from portalsim.model import LoggedRequest
from portalsim.state import SiteState
from portalsim.wire import Request, Response, canonical_header, esc, html_response

PLATFORMS: dict[str, ModuleType] = {
    "hanweb-jpage": hanweb_jpage,
    "hanweb-jpaas": jpaas,
    "trs": trs,
    "gkmlpt": gkmlpt,
    "ucap": ucap,
    "anhui-public": anhui,
    "static": static,
}
ROBOTS = "User-agent: *\nDisallow: /private/\n"


def _status_page(state: SiteState, status: int) -> Response:
    text = {404: "您访问的页面不存在", 410: "该信息已撤销", 500: "服务器内部错误", 503: "服务暂不可用"}
    message = text.get(status, "请求出错")
    page = f"<html><head><title>{status}</title></head><body><h1>{status}</h1><p>{message}</p></body></html>"
    spec = state.spec
    content_type = "text/html" if spec.platform == "trs" else f"text/html; charset={spec.encoding}"
    return html_response(page, state.spec.encoding, content_type, status=status)


def _not_modified(req: Request, etag: str, last_modified: dt.datetime) -> bool:
    if_none_match = req.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = req.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return last_modified.replace(microsecond=0) <= when


def _add_links(response: Response, state: SiteState, links: list[tuple[str, str]]) -> None:
    """Extra links at the end of an article page, outside its menus and footer: where attachment links go."""
    if not links:
        return
    html = "".join(f'<p class="attachment"><a href="{esc(url)}">{esc(text)}</a></p>' for url, text in links)
    snippet = html.encode(state.spec.encoding, errors="xmlcharrefreplace")
    head, sep, tail = response.body.rpartition(b"</body>")
    response.body = head + snippet + sep + tail if sep else response.body + snippet


def dispatch(req: Request, state: SiteState) -> Response:
    """The whole answer of a site to one request, controls first, then the platform."""
    if state.blocked:
        response = html_response(chrome.challenge_page(), "utf-8", "text/html; charset=utf-8", status=412)
        response.headers["Set-Cookie"] = "__jsluid_s=5f0c9e1d2b3a4c5d6e7f8a9b0c1d2e3f; path=/; HttpOnly"
        return response
    injected = state.take_failure(req.path, req.raw_path)
    if injected is not None:
        return _status_page(state, injected)
    if req.path == "/robots.txt":
        return Response(200, ROBOTS.encode("ascii"), "text/plain")
    if (redirect := state.redirect_for(req.path, req.raw_path)) is not None:
        return Response(redirect[0], b"", "text/html", {"Location": redirect[1]})
    if (new_path := state.moved_to(req.path)) is not None:
        moved = Response(301, b"", "text/html")
        moved.headers["Location"] = new_path
        return moved
    if (file := state.file_at(req.path)) is not None:
        return Response(200, file[0], file[1], dict(file[2]))
    if state.column_moved and req.path == state.spec.start_path:
        return _status_page(state, 404)
    if state.disclosure_open and (page := disclosure.handle(req, state)) is not None:
        return page
    article = state.article_at(req.path)
    if article is not None and (gone := state.removed_status(article.key)) is not None:
        return _status_page(state, gone)
    answered: Response | None = PLATFORMS[state.spec.platform].handle(req, state)
    if answered is None:
        return _status_page(state, 404)
    response = answered
    if article is not None and response.status == 200:
        _add_links(response, state, state.extra_links(article.key))
    if response.last_modified is not None and response.status == 200:
        etag = '"' + hashlib.sha1(response.body).hexdigest()[:20] + '"'
        response.headers["ETag"] = etag
        response.headers["Last-Modified"] = format_datetime(response.last_modified, usegmt=True)
        if _not_modified(req, etag, response.last_modified):
            response.status, response.body = 304, b""
    return response


def _handler_for(state: SiteState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "nginx"
        sys_version = ""

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            headers = {canonical_header(k): v for k, v in self.headers.items()}
            form: dict[str, str] = {}
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                raw = self.rfile.read(length).decode("utf-8", errors="replace")
                form = dict(parse_qsl(raw, keep_blank_values=True))
            req = Request(
                method,
                unquote(parts.path),
                self.path,
                dict(parse_qsl(parts.query, keep_blank_values=True)),
                form,
                headers,
            )
            response = dispatch(req, state)
            now = dt.datetime.now(dt.UTC)
            state.record(LoggedRequest(state.spec.id, method, self.path, headers, response.status, now))
            self.send_response(response.status)
            if response.status != 304:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_HEAD(self) -> None:
            self._serve("HEAD")

        def log_message(self, format: str, *args: object) -> None:
            pass  # the site's own request log replaces stderr noise

    return Handler


class SiteServer:
    """One site on its own loopback port, served from a daemon thread; can be stopped and restarted."""

    def __init__(self, state: SiteState, port: int = 0) -> None:
        self.state = state
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self._httpd is not None:
            return
        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self.state))
        httpd.daemon_threads = True
        # Keep the port across stop/start so a restarted site is the same site to its crawlers.
        self.port = httpd.server_address[1]
        self._httpd = httpd
        # A short poll interval keeps stop() (and so every test teardown) quick.
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name=f"portalsim-{self.state.spec.id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

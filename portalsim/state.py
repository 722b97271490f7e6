"""The mutable side of one simulated site: current articles, test controls and the request log."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace

from portalsim.content import SPECS, build_articles
from portalsim.docs import build_docx
from portalsim.model import Article, LoggedRequest, SiteSpec

_CST = dt.timezone(dt.timedelta(hours=8))


@dataclass(slots=True)
class _Failure:
    status: int
    remaining: int


class SiteState:
    """Thread-safe holder of what a site serves right now; the HTTP handler threads read it."""

    def __init__(self, site_id: str, scale: int = 1) -> None:
        self.spec: SiteSpec = SPECS[site_id]
        self.scale = scale
        self._lock = threading.RLock()
        self._docx_cache: dict[tuple[str, str], bytes] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the published state: original texts, no removals, failures, blocks or log."""
        with self._lock:
            self._articles: dict[str, Article] = {a.key: a for a in build_articles(self.spec.id, self.scale)}
            self._modified: dict[str, dt.datetime] = {
                k: a.published.replace(tzinfo=_CST).astimezone(dt.UTC) for k, a in self._articles.items()
            }
            self._removed: dict[str, tuple[int, bool]] = {}
            self._unlisted: set[str] = set()  # keys the lists no longer show; their pages still answer
            self._failures: dict[str, _Failure] = {}
            self._mislabels: dict[str, str] = {}
            self._moved: dict[str, str] = {}  # old path -> new path, answered with 301
            self._redirects: dict[str, tuple[int, str]] = {}  # path -> (status, absolute Location)
            self._extra_links: dict[str, list[tuple[str, str]]] = {}  # article key -> [(url, link text)]
            self.blocked = False
            self.list_api_refuses = False  # the list API answers success:false (a changed template, say)
            self.lists_empty = False  # the column lists show no entry at all (a column emptied or moved)
            self.list_paging_ignored = False  # the list service answers its first page whatever page is asked
            # path -> (body, Content-Type, more headers), served as is
            self._files: dict[str, tuple[bytes, str, dict[str, str]]] = {}
            self.disclosure_open = False  # the 政府信息公开 tree and site search answer (portalsim.disclosure)
            self.column_moved = False  # the start column is gone; its articles are filed in the tree's leaf
            self._tree_filed: set[str] = set()  # keys filed only in the tree's leaf column
            self._log: list[LoggedRequest] = []

    # -- reading, for the renderers --------------------------------------------------------------
    def articles(self) -> list[Article]:
        """Every article, removed or not, newest first."""
        with self._lock:
            return sorted(self._articles.values(), key=lambda a: a.published, reverse=True)

    def listed(self) -> list[Article]:
        """The entries the column list shows now, newest first."""
        with self._lock:
            if self.lists_empty or self.column_moved:
                return []
            return self._in_column()

    def _in_column(self) -> list[Article]:
        with self._lock:
            return [
                a
                for a in self.articles()
                if a.key not in self._unlisted and (a.key not in self._removed or self._removed[a.key][1])
            ]

    def filed_in_tree(self) -> list[Article]:
        """The entries of the tree's report column: those filed there, and the start column's once it moved."""
        with self._lock:
            moved = self._in_column() if self.column_moved else []
            filed = [a for a in self.articles() if a.key in self._tree_filed and a.key not in self._removed]
            return sorted({a.key: a for a in moved + filed}.values(), key=lambda a: a.published, reverse=True)

    def searchable(self) -> list[Article]:
        """What the site search finds: every article still up and not private, newest first."""
        with self._lock:
            return [a for a in self.articles() if a.key not in self._removed and not a.private]

    def file_in_tree(self, key_or_path: str) -> None:
        with self._lock:
            key = self.article(key_or_path).key
            self._unlisted.add(key)
            self._tree_filed.add(key)

    def article(self, key_or_path: str) -> Article:
        with self._lock:
            if key_or_path in self._articles:
                return self._articles[key_or_path]
            for a in self._articles.values():
                if key_or_path in (a.path, a.list_href) or key_or_path.endswith(a.path):
                    return a
        raise KeyError(f"{self.spec.id} has no article {key_or_path!r}")

    def article_at(self, path: str) -> Article | None:
        with self._lock:
            return next((a for a in self._articles.values() if a.path == path), None)

    def removed_status(self, key: str) -> int | None:
        with self._lock:
            entry = self._removed.get(key)
            return entry[0] if entry else None

    def is_removed(self, key: str) -> bool:
        return self.removed_status(key) is not None

    def modified(self, key: str) -> dt.datetime:
        with self._lock:
            return self._modified[key]

    def declared_charset(self, key: str) -> str:
        with self._lock:
            return self._mislabels.get(key, self.spec.declared_charset)

    def docx(self, article: Article) -> bytes:
        cache_key = (article.title, article.text)
        with self._lock:
            if cache_key not in self._docx_cache:
                self._docx_cache[cache_key] = build_docx(article.title, article.text)
            return self._docx_cache[cache_key]

    # -- controls --------------------------------------------------------------------------------
    def set_text(self, key_or_path: str, text: str) -> Article:
        with self._lock:
            old = self.article(key_or_path)
            new = replace(old, text=text)
            self._articles[old.key] = new
            # One second later at least, so If-Modified-Since (second precision) sees the change.
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            self._modified[old.key] = max(now, self._modified[old.key] + dt.timedelta(seconds=1))
            return new

    def add(self, articles: list[Article]) -> None:
        """Publish further articles (until reset)."""
        with self._lock:
            for a in articles:
                self._articles[a.key] = a
                self._modified[a.key] = a.published.replace(tzinfo=_CST).astimezone(dt.UTC)

    def remove(self, key_or_path: str, status: int = 404, keep_listed: bool = False) -> None:
        with self._lock:
            self._removed[self.article(key_or_path).key] = (status, keep_listed)

    def unlist(self, key_or_path: str) -> None:
        with self._lock:
            self._unlisted.add(self.article(key_or_path).key)

    def restore(self, key_or_path: str) -> None:
        with self._lock:
            key = self.article(key_or_path).key
            self._removed.pop(key, None)
            self._unlisted.discard(key)

    def move(self, key_or_path: str, new_path: str) -> Article:
        """The article now lives at `new_path`; its old path answers 301 there and the list links the new one."""
        with self._lock:
            old = self.article(key_or_path)
            new = replace(old, path=new_path, list_href=None)
            self._articles[old.key] = new
            self._moved[old.path] = new_path
            return new

    def moved_to(self, path: str) -> str | None:
        with self._lock:
            return self._moved.get(path)

    def mislabel(self, key_or_path: str, declared: str) -> None:
        with self._lock:
            self._mislabels[self.article(key_or_path).key] = declared

    def fail(self, path: str, status: int, times: int) -> None:
        with self._lock:
            self._failures[path] = _Failure(status, times)

    def take_failure(self, path: str, raw_path: str) -> int | None:
        """The injected status for this request, if any is left; each answer uses one up."""
        with self._lock:
            failure = self._failures.get(raw_path) or self._failures.get(path)
            if failure is None or failure.remaining <= 0:
                return None
            failure.remaining -= 1
            return failure.status

    def add_link(self, key_or_path: str, url: str, text: str) -> None:
        with self._lock:
            self._extra_links.setdefault(self.article(key_or_path).key, []).append((url, text))

    def extra_links(self, key: str) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._extra_links.get(key, []))

    def redirect(self, path: str, location: str, status: int) -> None:
        with self._lock:
            self._redirects[path] = (status, location)

    def redirect_for(self, path: str, raw_path: str) -> tuple[int, str] | None:
        with self._lock:
            return self._redirects.get(raw_path) or self._redirects.get(path)

    def add_file(self, path: str, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        with self._lock:
            self._files[path] = (body, content_type, headers)

    def file_at(self, path: str) -> tuple[bytes, str, dict[str, str]] | None:
        with self._lock:
            return self._files.get(path)

    # -- log ---------------------------------------------------------------------------------------
    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

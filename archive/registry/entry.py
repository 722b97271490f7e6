"""The schema of one site entry as the registry file writes it, checked field by field by pydantic.

Each field's type and rule is declared here; archive.registry.sites resolves a checked entry into a `Site` (the
defaults that depend on other fields, the checks across fields) and words pydantic's errors for the file's
author with `explain`. Imported only when a registry is read: the commands that read no registry never load
pydantic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from archive.registry.sites import DEFAULT_DELAY
from archive.registry.yamlfile import shown
from archive.vocab import Family

Platform = Literal["hanweb-jpage", "hanweb-jpaas", "trs", "gkmlpt", "ucap", "anhui-public", "static", "auto"]
# How well an entry is known (never "checked live"; `fazhi sites check` is how a user with internet confirms it):
# confirmed = a report URL on the government's own host was seen in a public source and the column is its column;
# inferred = the column was derived (from another source's URL, or a mirror); host only = only the portal is known.
Evidence = Literal["confirmed", "inferred", "host only"]
# Ways of finding reports besides the start_urls: walking the 政府信息公开 column tree, the portal's site search.
Discovery = Literal["tree", "search"]
PLATFORMS: tuple[str, ...] = get_args(Platform)
FAMILIES: tuple[str, ...] = tuple(Family)
EVIDENCE: tuple[str, ...] = get_args(Evidence)
DISCOVERY: tuple[str, ...] = get_args(Discovery)
MAX_DELAY = 600.0  # a longer delay is a typo (a crawl of forty pages would take seven hours)
REQUIRED = ("id", "name", "region")

# What a field must be, for the messages of errors pydantic words for programmers (a float that did not parse).
RULES = {
    "delay": f"must be a number of seconds from 0 to {MAX_DELAY:g}",
    "timeout": "must be a number of seconds above 0",
    "division_code": "is not a GB/T 2260 code (6 digits)",
    "discover": f"must be a list of: {', '.join(DISCOVERY)}",
    "allowed_domains": "must be a list of host names",
    "flags": "must be a list of texts",
}


def _problem(reason: str) -> PydanticCustomError:
    # The reason goes in the context, not the template: a reason may hold braces ("{query}").
    return PydanticCustomError("registry", "{reason}", {"reason": reason})


class SiteEntry(BaseModel):
    """One entry of the `sites:` list."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: StrictStr = Field(min_length=1, pattern=r"^[a-z0-9-]+$")
    name: StrictStr = Field(min_length=1)
    region: StrictStr = Field(min_length=1)
    start_urls: list[str] = []
    allowed_domains: list[Annotated[StrictStr, Field(min_length=1)]] | None = None
    platform: Platform = "auto"
    division_code: str | None = None
    schedule: StrictStr | None = None
    delay: float = Field(default=DEFAULT_DELAY, ge=0, le=MAX_DELAY, strict=True)
    timeout: float | None = Field(default=None, gt=0, strict=True)
    evidence: Evidence | None = None
    source: StrictStr | None = None
    discover: list[Discovery] = []
    tree_urls: list[str] = []
    search_url: StrictStr | None = None
    family: Family | None = None  # archive.vocab.Family
    flags: list[Annotated[StrictStr, Field(min_length=1)]] = []

    @field_validator("start_urls", "tree_urls", mode="before")
    @classmethod
    def _urls(cls, value: Any) -> Any:
        urls = [] if value is None else [value] if isinstance(value, str) else value
        if not isinstance(urls, list):
            raise _problem("must be a list of URLs")
        for url in urls:
            if (problem := url_problem(url)) is not None:
                raise _problem(problem)
        return urls

    @field_validator("division_code", mode="before")
    @classmethod
    def _division_code(cls, value: Any) -> Any:
        # Written bare in YAML a code is a number; either way it is 6, 9 or 12 digits.
        if value is None:
            return None
        if isinstance(value, bool) or not re.fullmatch(r"\d{6}|\d{9}|\d{12}", str(value)):
            raise _problem(f"{shown(value)} {RULES['division_code']}")
        return str(value)

    @field_validator("discover", mode="before")
    @classmethod
    def _discover(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or any(d not in DISCOVERY for d in value):
            raise _problem(f"{shown(value)} {RULES['discover']}")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is not None and (problem := cron_problem(value)) is not None:
            raise _problem(f"{shown(value)}: {problem} (a cron expression like '0 7 * * *')")
        return value

    @field_validator("search_url")
    @classmethod
    def _search_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "{query}" not in value:
            raise _problem(f"{shown(value)} must hold {{query}} where the search words go")
        if (problem := url_problem(value.replace("{query}", "q"))) is not None:
            raise _problem(problem)
        return value


def url_problem(url: Any) -> str | None:
    """Why `url` is no http(s) URL with a host, or None."""
    if not isinstance(url, str):
        return f"{shown(url)} is not a URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises on a port that is no number or out of range
    except ValueError as exc:
        return f"{shown(url)} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{shown(url)} is not an http(s) URL"
    return None


class Include(BaseModel):
    """One item of `include:`: the sites of another registry, all or those a selector names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    registry: StrictStr = Field(min_length=1)  # a bundled registry's name (china, zhejiang) or a file's path
    regions: list[Annotated[StrictStr, Field(min_length=1)]] = []  # sites whose region holds one of these
    codes: list[str] = []  # a province's or city's division code takes its counties too
    ids: list[Annotated[StrictStr, Field(min_length=1)]] = []

    @field_validator("codes", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        codes = [value] if isinstance(value, str | int) else value
        if not isinstance(codes, list) or not all(
            not isinstance(c, bool) and re.fullmatch(r"\d{6}", str(c)) for c in codes
        ):
            raise _problem(f"{shown(value)} must be a list of 6-digit division codes")
        return [str(c) for c in codes]


def check_include(raw: dict[str, Any]) -> Include | tuple[str, str]:
    """The checked include item, or the first problem as (field, reason)."""
    try:
        return Include.model_validate(raw)
    except ValidationError as exc:
        return explain(exc.errors(include_url=False)[0], Include.model_fields)


def cron_problem(expression: str) -> str | None:
    """Why `expression` is no cron expression the scheduler can run (its own parser decides), or None."""
    from apscheduler.triggers.cron import CronTrigger  # the scheduler's parser: what it accepts, it can run

    if len(expression.split()) != 5:
        return "five fields are needed: minute hour day month weekday"
    try:
        CronTrigger.from_crontab(expression, timezone="Asia/Shanghai")
    except ValueError as exc:
        return str(exc)
    return None


def check_entry(raw: dict[str, Any]) -> SiteEntry | tuple[str, str]:
    """The checked entry, or the first problem as (field, reason)."""
    try:
        return SiteEntry.model_validate(raw)
    except ValidationError as exc:
        return explain(exc.errors(include_url=False)[0], SiteEntry.model_fields)


def explain(error: ErrorDetails, known: Iterable[str]) -> tuple[str, str]:
    """The field an error is about and its reason, in the registry's words; `known` are the fields there are."""
    field = str(error["loc"][0]) if error["loc"] else "id"
    value = error.get("input")
    kind = error["type"]
    if kind == "registry":
        return field, str(error["ctx"]["reason"])
    if kind == "missing" or (field in REQUIRED and value in (None, "", [])):
        return field, "is required"
    if kind == "extra_forbidden":
        return field, f"unknown field (known: {', '.join(sorted(known))})"
    if kind == "string_pattern_mismatch":
        return field, f"{shown(value)} must match [a-z0-9-]+"
    if kind in ("literal_error", "enum"):
        choices = {"platform": PLATFORMS, "evidence": EVIDENCE, "family": FAMILIES}.get(field, ())
        return field, f"{shown(value)} is not one of: {', '.join(choices)}"
    if len(error["loc"]) > 1:  # an item of a list (allowed_domains)
        return field, f"item {error['loc'][1]}: {shown(value)}: {RULES.get(field, error['msg'])}"
    if field in RULES:
        return field, f"{shown(value)} {RULES[field]}"
    if kind == "string_type":
        return field, f"{shown(value)} must be text"
    return field, f"{shown(value)}: {error['msg']}"

"""What routes are handed: one session per request from the app's one engine, and the registry it was started with."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from archive.registry.sites import Site


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def get_registry(request: Request) -> Sequence[Site]:
    registry: Sequence[Site] = request.app.state.registry
    return registry


SessionDep = Annotated[Session, Depends(get_session)]
RegistryDep = Annotated[Sequence[Site], Depends(get_registry)]

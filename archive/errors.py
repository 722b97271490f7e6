"""The archive's expected failures: each carries one line for people and the exit code `fazhi` ends with."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of every failure a user can cause by what they type or what a file holds.

    `exit_code` follows the command contract: 2 for bad usage or configuration, 1 for a run where something failed.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadUsage(ArchiveError):
    """A value on the command line or in the configuration cannot be used (a version 0, an unknown database)."""


class CannotOpen(ArchiveError):
    """The database cannot be reached or read at all (no server, no driver, not a database file)."""


class MissingArchive(ArchiveError):
    """No archive where the configuration points: nothing there, or an empty database."""


class ForeignDatabase(ArchiveError):
    """A database that holds tables but is not a Fazhi archive; it is never written to."""


class SchemaTooOld(ArchiveError):
    """An archive from an older release: `fazhi db upgrade` brings it up to date."""


class SchemaTooNew(ArchiveError):
    """An archive migrated by a newer release than this one."""


class CannotWrite(ArchiveError):
    """The archive can be read but not written (a read-only file, folder or database user)."""


class NotFound(ArchiveError, LookupError):
    """No such report or version."""

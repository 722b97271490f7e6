"""The bounds every input is held to, in one place: numbers the databases can hold, and how much of a file a
command reads. Past them an input names nothing the archive could hold, or is no longer a page or a document."""

from __future__ import annotations

# Ids and version numbers are INTEGER columns, 32-bit on PostgreSQL: a larger one names nothing, and the server would
# refuse it as out of range. Limits and offsets are 64-bit to both databases (and a larger one would overflow the
# driver).
MAX_ID = 2**31 - 1
MAX_COUNT = 2**63 - 1
# A page or document `fazhi extract` reads; the crawl refuses larger downloads (crawler.settings DOWNLOAD_MAXSIZE,
# which is this same figure).
MAX_FILE_BYTES = 64 * 1024 * 1024

"""The bounds every input is held to, in one place: numbers the databases can hold, and how much of a file a
command reads. Past them an input names nothing the archive could hold, or is no longer a page or a document."""

from __future__ import annotations

# Ids, version numbers, limits and offsets are 64-bit integers to both databases: a larger number names nothing
# and would overflow the driver.
MAX_INT = 2**63 - 1
# A page or document `fazhi extract` reads; the crawl refuses larger downloads (crawler.settings DOWNLOAD_MAXSIZE,
# which is this same figure).
MAX_FILE_BYTES = 64 * 1024 * 1024

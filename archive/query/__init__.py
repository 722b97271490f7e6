"""Read-only queries: reports, coverage, health, browsing, exports, lists read again."""

"""Fazhi Archive: storage, extraction and querying of 法治政府建设 reports (no crawling here)."""

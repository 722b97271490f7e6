"""Scrapy spiders of the project (one: `reports`)."""

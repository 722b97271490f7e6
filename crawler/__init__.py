"""The crawler: Scrapy spiders and adapters that fetch report pages and hand them to the archive."""

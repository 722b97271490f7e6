"""Running things: a crawl end to end and its crawler process, the site check, the demo."""

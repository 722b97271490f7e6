"""The archive's storage: engines, tables and models, migrations, and writing what a crawl hands over."""

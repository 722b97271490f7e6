"""Full-text search: the bigram index, its segments, queries and snippets."""

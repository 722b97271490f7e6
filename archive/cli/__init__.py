"""The `fazhi` command line: parse, call, print."""

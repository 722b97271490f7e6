"""`python -m archive` is the `fazhi` command (for environments where the console script is not on PATH)."""

from archive.cli.main import main

main()

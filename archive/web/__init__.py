"""`fazhi serve`: the archive in a browser (pages), for programs (a JSON API) and for feed readers (Atom); read-only."""

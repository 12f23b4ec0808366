"""means-check: household economic status verification (policy.md §5)."""

"""approval: routing, decisions and deadlines of a calculated case (policy.md §4)."""

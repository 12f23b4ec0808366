"""benefit-calc: temporary-assistance amounts with the rules behind them (policy.md §3)."""

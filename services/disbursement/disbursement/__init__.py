"""disbursement: paying out approved assistance (policy.md §7)."""

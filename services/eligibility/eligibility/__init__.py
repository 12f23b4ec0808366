"""eligibility: one-window intake, classification, the case view and referrals (policy.md §2, §6)."""

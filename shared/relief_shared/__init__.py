"""The relief suite's shared plumbing: written once, used by every service."""

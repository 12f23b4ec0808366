"""Repositories on disbursement's unit of work, one concept a module."""

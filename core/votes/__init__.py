"""Consent votes (意愿表决): the pure consent engine, the vote's life, ballots and their hash-chained log,
tallies, reminders and exports.

Public to other features: `models`, `consent` (the engine), `tally` (live tallies).
"""

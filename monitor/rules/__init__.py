"""Pure judgements over snapshots: freshness, blank, reachability, coverage, deadlines, counts.

Rules never touch the database, HTML or the network (import-linter enforces that this package
imports neither `monitor.store` nor SQLAlchemy); they are built with issue #4.
"""

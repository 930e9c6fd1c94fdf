"""Distributed crawling: the night's jobs of whole hosts on a Celery queue (Redis), run by workers.

- :mod:`~monitor.distributed.plan`: the split into jobs (pure; no Celery);
- :mod:`~monitor.distributed.queue`: the Celery app, the job task and the worker;
- :mod:`~monitor.distributed.coordinator`: `xxgk crawl --distributed`: the runs, the waiting, the end.

A job changes who runs `python -m crawler`, not what it does: each is one crawler subprocess per
institution, writing to the shared database. Only this package imports Celery (.importlinter).
"""

"""Scrapy's downloader, holding ``CONCURRENT_REQUESTS_PER_DOMAIN`` when there is no download delay.

Scrapy 2.19's ``Downloader._process_queue`` pops queued requests while the slot has free
transfer places, and schedules each download as an asyncio task; the request joins the slot's
``transferring`` set only when that task first runs, after the loop. With ``DOWNLOAD_DELAY``
0 the loop therefore empties the slot's whole queue at once: a demo campus's host (per-host
concurrency 4) was sent 19 requests at a time, counted on the server side
(tests/distributed). With a delay the loop stops after one request, so the bug hides. Here the
request is counted as transferring when it leaves the queue (``_download`` adds it to the set
again, harmlessly, and removes it when its answer has come).
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # now, not when the task starts
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break

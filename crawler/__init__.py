"""The Scrapy side of xxgk-monitor: knows HTML and HTTP, not compliance."""

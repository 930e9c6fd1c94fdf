"""Spiders: one generic column spider, driven by config (`column.ColumnSpider`)."""

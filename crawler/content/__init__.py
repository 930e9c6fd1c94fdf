"""What pages and attachments *contain*: the personal-data detector and the attachment readers.

Pure functions over text and bytes (no Scrapy, no network, no database), so that the crawler's
scan (:mod:`crawler.spiders.scan`) and the tests call the same code:

- :mod:`crawler.content.pii`: personal data in text and tables (ID, mobile and bank card
  numbers; 学号/工号, 出生日期 and 家庭住址 when labelled), masked values told apart from leaks;
- :mod:`crawler.content.masking`: how a value and an excerpt are masked (nothing leaves in full);
- :mod:`crawler.content.documents`: the text of a PDF, DOCX or XLSX attachment, bounded in size
  and time, with an explicit "not scanned" for old Office files and images.
"""

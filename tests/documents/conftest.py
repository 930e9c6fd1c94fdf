"""The crawled demo campus of tests/checks (one crawl per backend and module), for the documents."""

from tests.checks.test_check_demo import crawled, served  # noqa: F401 - fixtures reused as they are

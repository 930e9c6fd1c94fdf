"""A full disk under the mail outbox: writing an .eml file fails with one clear error, never a traceback.

The full disk is simulated without root: the outbox file is a symlink to /dev/full, so every write
fails with ENOSPC, exactly as on a disk with no space left.
"""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from monitor.errors import DeliveryError
from monitor.reports.mail import write_eml

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="/dev/full is absent")


def _message() -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = "<lag-report-1@xxgk-monitor.invalid>"
    message["Subject"] = "lag report"
    message.set_content("body")
    return message


def test_full_outbox_gives_one_clear_error(tmp_path: Path) -> None:
    good = write_eml(_message(), tmp_path / "ok")  # the name the outbox file gets
    assert good.read_bytes()
    full = tmp_path / "full"
    full.mkdir()
    (full / good.name).symlink_to("/dev/full")
    with pytest.raises(DeliveryError) as caught:
        write_eml(_message(), full)
    text = str(caught.value)
    assert "cannot write" in text
    assert good.name in text
    assert "No space left" in text
    assert "\n" not in text

"""Fixtures shared by the notification tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notifications.render import MailRenderer
from tests.support.smtp import MailCatcher


@pytest.fixture
def renderer() -> MailRenderer:
    """The renderer over the shipped templates."""
    return MailRenderer()


@pytest.fixture
def mail_catcher() -> Iterator[MailCatcher]:
    """A running SMTP server that collects what it is sent."""
    with MailCatcher() as catcher:
        yield catcher

"""The test mail server reports clearly when the awaited mail never comes."""

from __future__ import annotations

import pytest

from tests.support.smtp import MailCatcher


async def test_wait_for_fails_with_what_was_received(mail_catcher: MailCatcher) -> None:
    with pytest.raises(AssertionError, match=r"within 0\.05s .* received 0: nothing"):
        await mail_catcher.wait_for(lambda messages: len(messages) > 0, timeout=0.05)

"""A child process given `child_environment(settings)` reads back the settings its parent set."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from elevator_orders.settings import Settings, child_environment

# 32 bytes, base64: a key of the right length that is not the development one.
OTHER_KEY = "b3RoZXItZWxldmF0b3Itb3JkZXJzLWtleS0zMmJ5dGU="


def test_the_child_reads_back_every_value_the_parent_set(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = Settings(
        _env_file=None,
        var_dir=Path("/srv/elevator-orders/var"),
        smtp_port=2525,
        smtp_use_tls=True,
        mail_grace_seconds=2.5,
        payload_encryption_key=SecretStr(OTHER_KEY),
        trusted_proxies=["10.0.0.0/8", "192.168.1.1/32"],
        alarm_mappings={"org-monitor-a": "shanghai"},
        policy_overrides={"rescue.accept": 10},
        rescue_hotline="110",
    )
    environment = child_environment(parent)

    assert set(environment) == {name.upper() for name in parent.model_fields_set}
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    child = Settings(_env_file=None)
    assert child.model_dump() == parent.model_dump()
    assert child.payload_encryption_key.get_secret_value() == OTHER_KEY


def test_what_the_parent_left_unset_is_not_passed() -> None:
    assert child_environment(Settings(_env_file=None, api_port=8123)) == {"API_PORT": "8123"}

"""The one settings object, read from the environment (and `.env`)."""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.alarms import MAPPINGS

# Known to everyone who reads this file: fine on a laptop, refused anywhere else.
DEVELOPMENT_JWT_SECRET = "development-only-jwt-secret-do-not-deploy"
# base64 of b"elevator-orders-development-key!"; generate a real key with
# `python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"`.
DEVELOPMENT_PAYLOAD_ENCRYPTION_KEY = "ZWxldmF0b3Itb3JkZXJzLWRldmVsb3BtZW50LWtleSE="
PAYLOAD_ENCRYPTION_KEY_BYTES = 32


class InsecureSettings(RuntimeError):
    """Outside development the app refuses to start with a secret everyone can read here."""


class Settings(BaseSettings):
    # A rejected value may be a secret: validation errors name the setting, never echo its value.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    # "development" allows the built-in secrets below; anything else requires real ones.
    environment: Literal["development", "production"] = "development"
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    # AES-256 key (base64 of 32 bytes) encrypting every Temporal payload: names and phones in workflow
    # inputs and Updates reach the Temporal server (and its Web UI) as ciphertext only.
    payload_encryption_key: SecretStr = SecretStr(DEVELOPMENT_PAYLOAD_ENCRYPTION_KEY)
    # Keys replaced by a rotation (JSON list): they still decrypt the histories they wrote, never encrypt.
    payload_encryption_retired_keys: list[SecretStr] = Field(default_factory=list)
    access_token_minutes: float = Field(default=15, gt=0)
    refresh_token_days: float = Field(default=7, gt=0)
    # A staff page session (the `eo_session` cookie of /login) lasts a working day.
    session_hours: float = Field(default=12, gt=0)
    var_dir: Path = Path("var")
    # Empty means: `dev` starts an embedded Temporal dev server itself.
    temporal_address: str = ""
    temporal_namespace: str = "default"
    temporal_task_queue: str = "elevator-orders"
    # Workflows the worker keeps in memory between tasks. A ticket waiting days on a legal clock is
    # evicted and replayed (a short history) when its timer fires, so the cache only needs to hold the
    # tickets being acted on now; each cached run costs memory, so the bound keeps RSS flat however many
    # tickets wait (see bench/goal_open_tickets.py).
    worker_max_cached_workflows: int = Field(default=1000, gt=0)
    # Where traces go (an OpenTelemetry collector's OTLP/HTTP base URL, e.g. http://otel-collector:4318);
    # empty: tracing is off and costs nothing.
    otel_exporter_otlp_endpoint: str = ""
    # "json": one JSON object per log line, for a log collector; "text" for a terminal.
    log_format: Literal["text", "json"] = "text"
    # The loopback port the Temporal SDK serves its own metrics on, read into /metrics; 0: not exported
    # (`dev` picks a free one).
    sdk_metrics_port: int = Field(default=0, ge=0, lt=65536)
    # Where `elevator-orders worker` answers GET /metrics (the API process has its own route); 0: nowhere.
    worker_metrics_port: int = Field(default=0, ge=0, lt=65536)
    worker_metrics_host: str = "127.0.0.1"
    temporal_dev_port: int = 7233
    temporal_ui_port: int = 8233
    # Empty means: the dev server's Web UI on `temporal_ui_port`.
    temporal_ui_url: str = ""
    # Empty means: SQLite file under `var_dir`.
    database_url: str = ""
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Where the public reaches the pages, e.g. https://dt.example.sh.cn: the QR codes encode this.
    # Empty means: http://{api_host}:{api_port}.
    public_base_url: str = ""
    # The number the QR page tells a trapped passenger to call: Shanghai's emergency channel is 110.
    rescue_hotline: str = "110"
    # Empty means: `dev` runs a local mail sink that writes every message under `var_dir/mail`.
    smtp_host: str = ""
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "noreply@elevator-orders.sh.cn"
    # A finished rescue waits this long for its last mails, then hands them to delivery workflows.
    mail_grace_seconds: float = Field(default=30.0, gt=0)
    # The event-code mapping each monitoring platform's alarms are read with, by the platform's organisation
    # id (JSON, e.g. {"org-monitor-a": "shanghai"}); a platform not named here gets "shanghai".
    alarm_mappings: dict[str, str] = Field(default_factory=dict)
    # How often the watch over monitoring devices looks for silent ones (the silence itself is a policy row).
    monitoring_sweep_seconds: float = Field(default=60.0, gt=0)
    # The Chromium that prints the monthly district reports to PDF (Debian's `chromium`, with
    # `fonts-noto-cjk` for the Chinese: `make browser` installs both).
    chromium_path: str = "/usr/bin/chromium"
    # Overrides of the policy table, e.g. {"rescue.accept": 10} (minutes, or the row's unit).
    policy_overrides: dict[str, float] = Field(default_factory=dict)
    # Holidays and make-up working days for years the official calendar does not cover yet, one
    # `YYYY-MM-DD holiday|workday` a line; without it such years count Monday to Friday.
    working_day_fallback_file: Path | None = None
    # Abuse limits of the public endpoints (QR pages, tracking): requests per minute per client address,
    # and how many may come at once (empty: a minute's worth).
    public_rate_per_minute: int = Field(default=30, gt=0)
    public_rate_burst: int | None = Field(default=None, gt=0)
    # Reverse proxies (addresses or networks, JSON list) whose X-Forwarded-For names the real client;
    # without them every client behind the proxy shares the proxy's limit.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    # Larger request bodies are refused with 413 before the app reads them.
    max_request_body_bytes: int = Field(default=64 * 1024, gt=0)
    # A larger export is refused with 422: the caller narrows the filters (e.g. by opening time).
    max_export_tickets: int = Field(default=10_000, gt=0)

    @field_validator("payload_encryption_key")
    @classmethod
    def _is_an_aes_256_key(cls, key: SecretStr) -> SecretStr:
        _key_bytes(key)
        return key

    @field_validator("alarm_mappings")
    @classmethod
    def _are_known_mappings(cls, mappings: dict[str, str]) -> dict[str, str]:
        if unknown := sorted(set(mappings.values()) - set(MAPPINGS)):
            raise ValueError(f"no alarm mapping named {unknown}; known: {sorted(MAPPINGS)}")
        return mappings

    @field_validator("payload_encryption_retired_keys")
    @classmethod
    def _are_aes_256_keys(cls, keys: list[SecretStr]) -> list[SecretStr]:
        for key in keys:
            _key_bytes(key)
        return keys

    @property
    def payload_encryption_keys(self) -> list[bytes]:
        """The current key first (it encrypts), then the retired ones (they only decrypt)."""
        return [
            _key_bytes(key) for key in (self.payload_encryption_key, *self.payload_encryption_retired_keys)
        ]

    def insecure_defaults(self) -> list[str]:
        """The settings still at a value published in this repository."""
        defaults = []
        if self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET:
            defaults.append("JWT_SECRET")
        if self.payload_encryption_key.get_secret_value() == DEVELOPMENT_PAYLOAD_ENCRYPTION_KEY:
            defaults.append("PAYLOAD_ENCRYPTION_KEY")
        if any(
            key.get_secret_value() == DEVELOPMENT_PAYLOAD_ENCRYPTION_KEY
            for key in self.payload_encryption_retired_keys
        ):
            defaults.append("PAYLOAD_ENCRYPTION_RETIRED_KEYS")
        return defaults

    def require_safe_secrets(self) -> None:
        if self.environment != "development" and (defaults := self.insecure_defaults()):
            raise InsecureSettings(
                f"refusing to start in {self.environment} with the built-in development value of "
                f"{', '.join(defaults)}; set a secret of your own"
            )

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'elevator-orders.db').resolve()}"

    @property
    def effective_public_base_url(self) -> str:
        return (self.public_base_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def effective_temporal_ui_url(self) -> str:
        return self.temporal_ui_url or f"http://127.0.0.1:{self.temporal_ui_port}"

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_dev_port}"


def child_environment(settings: Settings) -> dict[str, str]:
    """Environment variables that give a child process (`elevator-orders api|worker`) what `settings` set.

    Only the fields given when `settings` was made: for the rest the child takes its own defaults, as this
    process did. Secrets go in clear; lists and mappings as JSON, the way the child reads them back.
    """
    return {name.upper(): _environment_value(getattr(settings, name)) for name in settings.model_fields_set}


def _environment_value(value: object) -> str:
    if value is None:
        raise ValueError("an environment variable cannot say None: leave the setting unset instead")
    ready = _json_ready(value)
    return json.dumps(ready, ensure_ascii=False) if isinstance(ready, list | dict) else str(ready)


def _json_ready(value: object) -> object:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    # Networks, paths: their text is what the setting reads.
    return str(value)


def _key_bytes(key: SecretStr) -> bytes:
    try:
        raw = base64.b64decode(key.get_secret_value(), validate=True)
    except binascii.Error:
        raise ValueError("must be base64 (of 32 random bytes)") from None
    if len(raw) != PAYLOAD_ENCRYPTION_KEY_BYTES:
        raise ValueError(f"must be base64 of {PAYLOAD_ENCRYPTION_KEY_BYTES} bytes (AES-256), not {len(raw)}")
    return raw


@lru_cache
def get_settings() -> Settings:
    return Settings()

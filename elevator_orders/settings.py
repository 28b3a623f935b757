"""The one settings object, read from the environment (and `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Known to everyone who reads this file: fine on a laptop, refused anywhere else.
DEVELOPMENT_JWT_SECRET = "development-only-jwt-secret-do-not-deploy"


class InsecureSettings(RuntimeError):
    """Outside development the app refuses to start with a secret everyone can read here."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # "development" allows the built-in secrets below; anything else requires real ones.
    environment: Literal["development", "production"] = "development"
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    access_token_minutes: float = Field(default=15, gt=0)
    refresh_token_days: float = Field(default=7, gt=0)
    var_dir: Path = Path("var")
    # Empty means: `dev` starts an embedded Temporal dev server itself.
    temporal_address: str = ""
    temporal_namespace: str = "default"
    temporal_task_queue: str = "elevator-orders"
    temporal_dev_port: int = 7233
    temporal_ui_port: int = 8233
    # Empty means: the dev server's Web UI on `temporal_ui_port`.
    temporal_ui_url: str = ""
    # Empty means: SQLite file under `var_dir`.
    database_url: str = ""
    api_host: str = "127.0.0.1"
    api_port: int = 8000
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
    # Overrides of the policy table, e.g. {"rescue.accept": 10} (minutes, or the row's unit).
    policy_overrides: dict[str, float] = Field(default_factory=dict)
    # Holidays and make-up working days for years the official calendar does not cover yet, one
    # `YYYY-MM-DD holiday|workday` a line; without it such years count Monday to Friday.
    working_day_fallback_file: Path | None = None

    def insecure_defaults(self) -> list[str]:
        """The settings still at a value published in this repository."""
        return ["JWT_SECRET"] if self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET else []

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
    def effective_temporal_ui_url(self) -> str:
        return self.temporal_ui_url or f"http://127.0.0.1:{self.temporal_ui_port}"

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_dev_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()

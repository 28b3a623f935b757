"""docker-compose.yml describes the topology tests/deploy/ runs: no Docker engine here, so it is read.

Same server release, same config file and schema script, same app commands, settings the app knows,
and no secret with a default.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from elevator_orders.settings import Settings
from tests.support.temporal_cluster import (
    CONFIG_FILE,
    DEPLOY_DIR,
    DYNAMIC_CONFIG_FILE,
    SCHEMA_SCRIPT,
    TEMPORAL_SERVER_VERSION,
    server_arguments,
)

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
MOUNTED_AT = "/etc/elevator-orders/temporal"
SECRETS = ("POSTGRES_PASSWORD", "JWT_SECRET", "PAYLOAD_ENCRYPTION_KEY")


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _in_container(path: Path) -> str:
    return f"{MOUNTED_AT}/{path.relative_to(DEPLOY_DIR).as_posix()}"


def test_every_service_has_an_image_and_the_long_running_ones_a_healthcheck(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name} has no image"
    for name in ("postgres", "temporal", "api"):
        assert services[name]["healthcheck"]["test"], f"{name} has no healthcheck"


def test_the_server_is_the_release_the_tests_run_with_its_config_and_schema_script(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("temporal", "temporal-schema", "temporal-namespace"):
        assert services[name]["image"].endswith(f":{TEMPORAL_SERVER_VERSION}"), name
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"TEMPORAL_SERVER_VERSION := {TEMPORAL_SERVER_VERSION}" in makefile

    temporal = services["temporal"]
    assert temporal["entrypoint"] == ["temporal-server", *server_arguments(Path(_in_container(CONFIG_FILE)))]
    assert temporal["environment"]["TEMPORAL_DYNAMIC_CONFIG"] == _in_container(DYNAMIC_CONFIG_FILE)
    assert services["temporal-schema"]["entrypoint"] == [_in_container(SCHEMA_SCRIPT)]
    for name in ("temporal", "temporal-schema"):
        assert f"./{DEPLOY_DIR.relative_to(ROOT).as_posix()}:{MOUNTED_AT}:ro" in services[name]["volumes"]


def test_the_server_is_given_only_settings_its_config_file_reads(services: dict[str, dict[str, Any]]) -> None:
    read_by_config = set(re.findall(r'env "([A-Z_]+)"', CONFIG_FILE.read_text(encoding="utf-8")))
    given = set(services["temporal"]["environment"])
    assert given <= read_by_config, given - read_by_config
    script = SCHEMA_SCRIPT.read_text(encoding="utf-8")
    for variable in services["temporal-schema"]["environment"]:
        assert variable.startswith("SQL_") or variable in script, variable


def test_the_app_runs_the_commands_the_replicas_test_runs_with_settings_it_knows(
    services: dict[str, dict[str, Any]],
) -> None:
    assert services["api"]["command"] == ["elevator-orders", "api"]
    assert services["worker"]["command"] == ["elevator-orders", "worker"]
    assert services["migrate"]["command"] == ["elevator-orders", "migrate"]
    known = {name.upper() for name in Settings.model_fields}
    for name in ("api", "worker", "migrate"):
        environment = services[name]["environment"]
        assert set(environment) <= known, set(environment) - known
        assert environment["ENVIRONMENT"] == "production"


def test_no_secret_has_a_default() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for secret in SECRETS:
        uses = re.findall(r"\$\{" + secret + r"(:?[?-]?)", text)
        assert uses, f"{secret} is not taken from the environment"
        assert set(uses) == {":?"}, f"{secret} must be required (${{{secret}:?...}}), not defaulted"


def test_the_image_is_built_in_two_stages_and_runs_as_a_user_of_its_own() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", dockerfile, flags=re.MULTILINE)) == 2
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")
    assert "compileall" in dockerfile

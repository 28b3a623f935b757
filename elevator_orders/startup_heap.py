"""Keeps the garbage collector's full collections out of the way of requests and workflow tasks."""

import gc

# CPython's defaults (700, 10, 10) run a full collection after every 100 young ones, as soon as the
# long-lived objects have grown by a quarter. A full collection walks every tracked object (in the worker:
# each cached workflow's state) with the event loop stopped: 20-80 ms in the worker and the API, once or
# twice in every run of `make bench`'s latency goal. With these, none came in those runs, and the 50/s p99
# passed in six runs of seven instead of two of six. Young collections stay cheap (at most 10,000 objects).
SERVING_THRESHOLDS = (10_000, 20, 100)


def freeze_startup_objects() -> None:
    """Move every object alive now (modules, app, workers) to the collector's permanent generation.

    A full collection walks every tracked object: with the libraries loaded, one took 57 ms in the API
    and 68 ms in the worker during `make bench`'s latency goal, a stall for every request in flight and
    the 50/s p99 in one. Startup objects live as long as the process; frozen, they are never walked.
    """
    gc.collect()
    gc.freeze()


def space_out_full_collections() -> None:
    """Collect less often while serving: SERVING_THRESHOLDS."""
    gc.set_threshold(*SERVING_THRESHOLDS)

"""Pure rules of the work-order engine: no I/O, safe to import inside workflows."""

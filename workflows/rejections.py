"""How a workflow rejects an Update, in the shapes the API turns into 403 and 422."""

from temporalio.exceptions import ApplicationError


def invalid_input(field: str, message: str) -> ApplicationError:
    """A rejected input, naming the field so the API can answer 422 the way it does for bad JSON."""
    return ApplicationError(f"{field}: {message}", {"field": field}, type="InvalidInput", non_retryable=True)


def not_permitted(message: str) -> ApplicationError:
    """The actor's role or organisation may not take the action: the API answers 403."""
    return ApplicationError(message, type="ActionNotPermitted", non_retryable=True)

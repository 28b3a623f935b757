"""What the public forms share: what a passenger typed, checked by the JSON API's own schemas.

Each form is read into the same body the JSON API takes, so the two never disagree on what is valid;
a refusal becomes one sentence in Chinese per form field, shown beside the field with its value kept.
Each page reads its own form (`check` with its fields and sentences).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

Body = TypeVar("Body", bound=BaseModel)

# A form's own id, rendered as a hidden field: a double tap or a resent form opens one ticket, not two.
_SUBMISSION_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,120}$")

PHONE_HINT = "11 位手机号，或带区号的固定电话"
PHONE_MESSAGE = f"请填写正确的手机号或固定电话（{PHONE_HINT}）"
CHECK_FIELDS = "请按红字提示修改后再提交"


@dataclass
class Checked(Generic[Body]):
    """A form read into the JSON API's body, or the Chinese message of each form field that failed."""

    body: Body | None
    errors: dict[str, str] = field(default_factory=dict)


def values(form: Mapping[str, object]) -> dict[str, str]:
    """The text fields of a submitted form, trimmed, as they are shown again when something is wrong."""
    return {name: value.strip() for name, value in form.items() if isinstance(value, str)}


def submission_id(typed: Mapping[str, str]) -> str:
    """The form's hidden id if it is a plausible one, else a new one (the form was not ours)."""
    given = typed.get("submission", "")
    return given if _SUBMISSION_PATTERN.match(given) else new_submission_id()


def new_submission_id() -> str:
    return uuid.uuid4().hex


def phone(typed: Mapping[str, str], name: str) -> str:
    # People type mobile numbers in groups ("139 1234 5678"); the schemas want the digits.
    return re.sub(r"\s+", "", typed.get(name, ""))


def check(build: Callable[[], Body], form_field_of: Mapping[str, tuple[str, str]]) -> Checked[Body]:
    """Build the body; each schema field that fails names its form field and that field's message.

    `form_field_of` maps each field of the body to the form field it is typed into and the sentence shown
    there when it is refused.
    """
    try:
        return Checked(build())
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            schema_field = str(problem["loc"][0]) if problem["loc"] else ""
            form_field, message = form_field_of.get(schema_field, ("", CHECK_FIELDS))
            errors.setdefault(form_field, message)
        return Checked(None, errors)

"""Renders a notification template into a subject, a plain-text body and an HTML body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from domain.deadline_policy import DeadlinePolicy
from domain.policies import PolicyRules, policy_rules
from notifications.mime import Attachment

# Every recipient is a Shanghai organisation, so times are shown in Shanghai time whatever the server zone.
DISPLAY_TIMEZONE = "Asia/Shanghai"
MISSING_TIME = "—"

# Template names become path segments; a strict shape keeps them from ever reaching outside `mail/`.
_TEMPLATE_NAME = r"[a-z][a-z0-9_]*"


class UnknownTemplate(ValueError):
    """Raised when no mail template of the requested name exists."""


@dataclass(frozen=True)
class RenderedMail:
    """A fully rendered message, ready to be sent."""

    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


def default_templates_dir() -> Path:
    """The templates shipped inside this package."""
    return Path(__file__).resolve().parent / "templates"


def local_time(value: datetime | None) -> str:
    """Format an aware datetime as Shanghai wall-clock time, e.g. `2026-11-25 20:05`."""
    if value is None:
        return MISSING_TIME
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive time could be UTC or local; guessing would put a wrong legal deadline in front of people.
        raise ValueError(f"local_time needs an aware datetime, got naive {value!r}")
    return value.astimezone(ZoneInfo(DISPLAY_TIMEZONE)).strftime("%Y-%m-%d %H:%M")


def template_environment(templates_dir: Path | None = None) -> Environment:
    """The Jinja2 environment every renderer here starts from (mail, documents, digests, channel messages).

    HTML is autoescaped (markdown and plain text are not: nothing in them is markup); a missing context
    value fails loudly rather than print a blank deadline or field; templates ship with the release, so
    no file's mtime is checked before each render. Times print as Shanghai wall-clock time (`local_time`).
    """
    env = Environment(
        loader=FileSystemLoader(templates_dir or default_templates_dir()),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["local_time"] = local_time
    return env


class MailRenderer:
    """Renders `templates/mail/<template>/{subject.txt,body.txt,body.html}`.

    Templates state a legal limit as `{{ limit("rescue.arrive") }}` (30 分钟): the row in force when the
    mail's ticket was filed (`ticket.alarm_at`, the ticket's first moment), so a deployment that overrides
    a row mails the limit it enforces, and a ticket filed under an earlier rule is told that rule's limit.
    """

    def __init__(
        self,
        templates_dir: Path | None = None,
        *,
        policies: PolicyRules | Mapping[str, DeadlinePolicy] | None = None,
    ) -> None:
        if policies is None:
            rules = policy_rules()
        else:
            rules = policies if isinstance(policies, PolicyRules) else PolicyRules.of(policies)
        self._env = template_environment(templates_dir)

        @pass_context
        def limit(context: Context, key: str) -> str:
            ticket = context.get("ticket")
            filed_at = ticket.get("alarm_at") if isinstance(ticket, Mapping) else None
            return rules.in_force(key, filed_at if isinstance(filed_at, datetime) else None).limit_zh

        self._env.globals["limit"] = limit

    def render(self, template: str, context: Mapping[str, Any]) -> RenderedMail:
        """Render one template with the given context."""
        if not re.fullmatch(_TEMPLATE_NAME, template):
            raise UnknownTemplate(template)
        try:
            subject_template = self._env.get_template(f"mail/{template}/subject.txt")
            text_template = self._env.get_template(f"mail/{template}/body.txt")
            html_template = self._env.get_template(f"mail/{template}/body.html")
        except TemplateNotFound as error:
            raise UnknownTemplate(template) from error
        subject = _one_line(subject_template.render(context))
        # The layout shows the subject as the page title; passing it in keeps it autoescaped there.
        html = html_template.render({**context, "subject": subject})
        return RenderedMail(
            subject=subject,
            text=_ending_in_newline(text_template.render(context)),
            html=_ending_in_newline(html),
        )


def _ending_in_newline(body: str) -> str:
    """Trim stray blank lines, ending with the newline that MIME bodies get on the wire anyway."""
    return body.strip() + "\n"


def _one_line(text: str) -> str:
    """Join a multi-line rendering into one line, since a header cannot contain line breaks."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())

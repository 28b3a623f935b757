"""Printable documents a ticket issues, rendered from templates: the supervisory directive (安全监察指令书)."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from domain.directive import date_zh
from notifications.render import template_environment

ServiceKind = Literal["awaiting", "signed", "refused"]


@dataclass(frozen=True)
class ServiceRecord:
    """How the directive reached the unit: signed for (签收), refused and served anyway, or not yet."""

    kind: ServiceKind
    at: datetime | None = None
    # Who signed, or the regulator's officer who recorded the refusal.
    by: str = ""
    note: str = ""


@dataclass(frozen=True)
class DirectiveDocument:
    """Everything a directive states, as it was issued."""

    document_number: str
    issuer_name: str
    addressee_name: str
    addressee_label: str
    elevator_code: str
    registration_code: str
    elevator_address: str
    problems: str
    article_violated: str
    legal_basis: str
    rectify_by: date
    issued_on: date
    appeal_rights: str
    service: ServiceRecord
    # The date a failed re-check set since, if any: the document stays as issued and notes it.
    later_rectify_by: date | None = None


class DocumentRenderer:
    """Renders `templates/documents/<name>.html`, escaping everything that comes from the ticket."""

    def __init__(self, templates_dir: Path | None = None) -> None:
        # A blank field on an official document is a bug upstream, never something to print.
        self._env = template_environment(templates_dir)
        self._env.filters["date_zh"] = date_zh

    def directive(self, document: DirectiveDocument) -> str:
        return self._env.get_template("documents/directive.html").render(doc=document)

"""What a channel delivery sends: a signed JSON body for webhooks, a markdown message for WeCom robots."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.catalog import action_label, state_label
from domain.kinds import TicketKind
from notifications.render import template_environment

# The webhook body's shape; a receiver checks it before reading the rest.
WEBHOOK_SCHEMA = "elevator-orders.ticket-step.v1"
# WeCom refuses markdown content longer than this many bytes.
WECOM_MARKDOWN_LIMIT = 4096


class ChannelMessages:
    def __init__(self, ticket_url_base: str, templates_dir: Path | None = None) -> None:
        self._ticket_url_base = ticket_url_base.rstrip("/")
        # Markdown, not HTML (not escaped): nothing in it is a person's text, only labels, codes and times.
        self._env = template_environment(templates_dir)

    def webhook_body(
        self, delivery_id: str, event: str, envelope: Mapping[str, Any], number: str | None
    ) -> bytes:
        ticket = dict(envelope["ticket"])
        ticket["number"] = number
        ticket["url"] = self._url(ticket["id"])
        body = {
            "schema": WEBHOOK_SCHEMA,
            "delivery_id": delivery_id,
            "event": event,
            "ticket": ticket,
            "step": dict(envelope["step"]),
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

    def wecom_body(self, envelope: Mapping[str, Any], number: str | None) -> bytes:
        ticket, step = envelope["ticket"], envelope["step"]
        kind = TicketKind(ticket["kind"])
        content = self._env.get_template("channels/wecom_step.md").render(
            kind_label=kind.label_zh,
            action_label=action_label(kind, step["action"]),
            number=number or ticket["id"],
            state_label=state_label(kind, ticket["state"]),
            overdue_step=step["action"].endswith("overdue"),
            elevator_code=ticket["elevator_code"],
            district=ticket["district"],
            at=datetime.fromisoformat(step["at"]),
            url=self._url(ticket["id"]),
        )
        content = _within_bytes(content.strip(), WECOM_MARKDOWN_LIMIT)
        message = {"msgtype": "markdown", "markdown": {"content": content}}
        return json.dumps(message, ensure_ascii=False).encode()

    def _url(self, ticket_id: str) -> str:
        return f"{self._ticket_url_base}/tickets/{ticket_id}"


def _within_bytes(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode(errors="ignore") + "…"

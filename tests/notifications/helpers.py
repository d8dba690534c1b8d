"""Helpers shared by the outbox service tests: a channel choice, and the broker's queue."""

from __future__ import annotations

import base64
import json

from civicportal.accounts.models import User


def email_only(user: User) -> list[str]:
    return ["email"]


def queued_chunks(broker, queue: str = "celery") -> list[list[int]]:
    """The delivery id lists of the send tasks waiting in a queue of the broker."""
    chunks = []
    for raw in reversed(broker.lrange(queue, 0, -1)):  # LPUSH: oldest last
        message = json.loads(raw)
        assert message["headers"]["task"].endswith("deliveries_send_task")
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        chunks.append(args[0])
    return chunks

"""Daily: sign the checkpoint of every chain head."""

from __future__ import annotations

from django_tasks import task

from jiliang.audit import services


@task()
def sign_checkpoint() -> dict:
    checkpoint = services.checkpoint_sign()
    return {"day": checkpoint.day.isoformat(), "chains": len(checkpoint.heads)}

"""The published checkpoints: a public page and the same as JSON, for anyone to keep a copy."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

from jiliang.audit.models import Checkpoint
from jiliang.core.web import page_of, public


@public
def checkpoint_list(request):
    latest = Checkpoint.objects.first()
    return render(request, "audit/checkpoint_list.html", {
        "page": page_of(request, Checkpoint.objects.all()), "latest": latest})


@public
def checkpoint_json(request):
    """Every checkpoint, newest first: keep a copy, and check the ledger against it with
    ``manage.py verify_ledger --checkpoints <file or URL>``."""
    data = {"context": "jiliang-checkpoint/1",
            "checkpoints": [c.as_dict() for c in Checkpoint.objects.all().iterator()]}
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    return response

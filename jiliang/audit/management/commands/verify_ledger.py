"""Recompute every hash chain and name the first broken row of each; with ``--checkpoints``,
also check the chains against the published signed checkpoints (a file or a URL)."""

import json
import urllib.request
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from jiliang.audit.chain import chain_verify, chained_models
from jiliang.audit.services import checkpoints_check


def integrity_checks() -> list:
    """Each app's ``integrity_checks``: state kept outside the chains, checked against them."""
    return [import_string(path) for config in apps.get_app_configs()
            for path in getattr(config, "integrity_checks", ())]


def load_checkpoints(source: str) -> list[dict]:
    """The checkpoints of a file or URL holding the JSON of ``/checkpoints/checkpoints.json``."""
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as response:  # noqa: S310 - http(s) only
            data = json.loads(response.read().decode("utf-8"))
    else:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    items = data.get("checkpoints", data) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise CommandError(f"{source}: not a list of checkpoints")
    return items


class Command(BaseCommand):
    help = "Recompute the hash chains of the audit ledger and of every chained table."

    def add_arguments(self, parser):
        parser.add_argument("--model", help="only this model, e.g. audit.LedgerEntry")
        parser.add_argument("--checkpoints", metavar="FILE_OR_URL",
                            help="also check every chain against these published checkpoints")

    def handle(self, *args, model=None, checkpoints=None, **options):
        models = [m for m in chained_models() if model in (None, m._meta.label)]
        if not models:
            raise CommandError(f"no chained model is called {model}")
        broken = 0
        for m in models:
            for report in chain_verify(m):
                where = f"{report.model}[{report.key or '-'}]"
                if report.ok:
                    self.stdout.write(f"ok      {where}: {report.links} links")
                else:
                    broken += 1
                    self.stdout.write(
                        f"BROKEN  {where}: first broken at link {report.broken.seq} "
                        f"(row id {report.row_pk}): {report.broken.reason}"
                    )
        for check in integrity_checks():
            problems = list(check())
            for problem in problems:
                broken += 1
                self.stdout.write(f"CHANGED {problem}")
            if not problems:
                self.stdout.write(f"ok      {check.__module__}.{check.__name__}")
        if checkpoints:
            published = load_checkpoints(checkpoints)
            mismatches = checkpoints_check(published)
            for m in mismatches:
                broken += 1
                self.stdout.write(f"CHANGED {m.chain}[{m.key or '-'}]: {m.reason}")
            if not mismatches:
                self.stdout.write(f"ok      {len(published)} checkpoint(s): every signed head "
                                  "is still in its chain")
        if broken:
            raise CommandError(f"{broken} chain(s) broken")
        self.stdout.write(self.style.SUCCESS("all chains verify"))

"""Recompute every hash chain and name the first broken row of each."""

from django.core.management.base import BaseCommand, CommandError

from jiliang.audit.chain import chain_verify, chained_models


class Command(BaseCommand):
    help = "Recompute the hash chains of the audit ledger and of every chained table."

    def add_arguments(self, parser):
        parser.add_argument("--model", help="only this model, e.g. audit.LedgerEntry")

    def handle(self, *args, model=None, **options):
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
        if broken:
            raise CommandError(f"{broken} chain(s) broken")
        self.stdout.write(self.style.SUCCESS("all chains verify"))

"""Import instruments and verifications from an xlsx or csv file, with a progress bar."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jiliang.core.models import User
from jiliang.core.tabular import errors_workbook
from jiliang.core.uploads import sniff
from jiliang.registry import importing


class Command(BaseCommand):
    help = ("Import the registry template (xlsx or csv). Good rows land, bad rows are written to "
            "an xlsx with row, column and reason; running it again adds nothing twice.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", help="import as this user (their scope applies); "
                                           "default: the system, without a scope")
        parser.add_argument("--errors", help="where to write the bad rows (default FILE.errors.xlsx)")
        parser.add_argument("--chunk", type=int, default=importing.CHUNK,
                            help="rows per transaction")

    def handle(self, *args, file, user=None, errors=None, chunk=importing.CHUNK, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        data = path.read_bytes()
        with path.open("rb") as handle:
            kind = sniff(data[:4096], handle)
        if kind not in ("xlsx", "csv"):
            raise CommandError(f"{path}: not an xlsx or csv file")
        actor = None
        if user:
            actor = User.objects.select_related("organisation").filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user}")
        total = importing.count_rows(data, kind)

        def progress(rows: int, result: importing.ImportResult) -> None:
            done = min(rows, total) if total else rows
            width = 40
            filled = int(width * done / total) if total else width
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows, "
                              f"{result.error_rows} bad", ending="")
            self.stdout.flush()

        try:
            result = importing.import_file(data, kind, actor=actor, chunk_size=chunk,
                                           progress=progress)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write("")
        self.stdout.write(
            f"{result.rows} rows: {result.instruments_added} instruments and "
            f"{result.records_added} verifications added, {result.already_on_file} already on "
            f"file, {result.error_rows} bad rows")
        if result.evidence_added:  # issue 18
            self.stdout.write(f"evidence on {result.evidence_added} verifications, "
                              f"{result.findings_added} findings against the verification before")
        if result.errors:
            out = Path(errors or f"{path}.errors.xlsx")
            out.write_bytes(errors_workbook(result.errors, rows=result.bad_rows,
                                            columns=importing.COLUMNS))
            self.stdout.write(self.style.WARNING(f"bad rows written to {out}"))

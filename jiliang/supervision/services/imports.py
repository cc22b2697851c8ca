"""Field sheets: an upload read row by row, the good rows saved, each bad one reported."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core.models import User
from jiliang.core.tabular import HeaderError, TooManyRowsError, UnreadableError, read_rows
from jiliang.core.uploads import check_upload
from jiliang.supervision.models import (
    CampaignKind,
    CampaignTask,
    EnergyLabelCheck,
    EnforcementAction,
    InspectedInstrument,
    InspectionVisit,
    NetContentRecord,
    TareMethod,
    UploadBatch,
)
from jiliang.supervision.services.common import (
    recordable_task,
    user_or_none,
)
from jiliang.supervision.services.inspections import (
    VisitLookups,
    instrument_build,
    recordable_visit,
)
from jiliang.supervision.services.netcontent import netcontent_build, netcontent_save
from jiliang.supervision.services.sampling import label_check_build
from jiliang.supervision.sheets import SPECS, column_title, columns_for, yes_no

MAX_SHEET_ROWS = 5000


def _read_sheet(upload, kind: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an uploaded sheet (xlsx or csv, judged by content), or a ValidationError.

    Read as a stream: the first row past MAX_SHEET_ROWS comes out (for ``_Sheet.too_long``)
    and nothing after it is read; a workbook that unpacks too far is refused unopened."""
    file_kind = check_upload(upload, allowed=("xlsx", "csv"), max_bytes=5 * 1024 * 1024)
    try:
        yield from read_rows(upload.read(), file_kind, columns_for(kind),
                             max_rows=MAX_SHEET_ROWS)
    except TooManyRowsError as error:
        yield error.row, {}
    except HeaderError as error:
        raise ValidationError({"file": [_(
            "The sheet lacks the columns: %(columns)s. Download the template and fill it in.") %
            {"columns": ", ".join(error.missing)}]}) from None
    except UnreadableError as error:
        raise ValidationError({"file": [error.message]}) from None
    except Exception:  # a corrupt workbook: openpyxl and zipfile raise many kinds
        raise ValidationError({"file": [_("The file cannot be read as a spreadsheet.")]}) from None


class _Sheet:
    """Collects the refused rows of one upload, each with its column and reason."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.errors: list[dict] = []
        self.refused: dict[str, dict] = {}
        self.saved = 0

    def too_long(self, number: int) -> bool:
        if number <= MAX_SHEET_ROWS + 1:
            return False
        self.errors.append({"row": number, "column": "", "reason": _(
            "A sheet holds at most %(n)s rows; the rest were not read.") % {"n": MAX_SHEET_ROWS}})
        return True

    def build(self, upload, build: Callable[[dict[str, str]], object]) -> list:
        """Each row of ``upload`` made by ``build``; a row it refuses is noted and left out."""
        good = []
        for number, row in _read_sheet(upload, self.kind):
            if self.too_long(number):
                break
            try:
                good.append(build(row))
            except ValidationError as error:
                self.refuse(number, row, error)
        return good

    def refuse(self, number: int, row: dict, error: ValidationError) -> None:
        self.refused[str(number)] = row
        for field, messages in _messages(error):
            for message in messages:
                self.errors.append({"row": number, "column": column_title(self.kind, field),
                                    "reason": message})

    def batch(self, *, actor, task: CampaignTask, upload, visit=None,
              saved: list | None = None) -> UploadBatch:
        """The upload's record and its one ledger entry, naming the rows ``saved`` in bulk."""
        batch = UploadBatch.objects.create(
            campaign=task.campaign, task=task, visit=visit, kind=self.kind,
            region_code=visit.region_code if visit else task.region_code,
            filename=(getattr(upload, "name", "") or "")[:200], uploaded_by=user_or_none(actor),
            rows_saved=self.saved, rows_refused=len(self.refused), errors=self.errors,
            refused_rows=self.refused)
        after = {"file": batch.filename, "saved": self.saved, "refused": len(self.refused)}
        if saved is not None:
            after["ids"] = [row.pk for row in saved]
        audit_record(actor=actor, action=f"{self.kind}.import", obj=batch, after=after)
        return batch


def netcontent_import(*, actor: User | None, task: CampaignTask, upload) -> UploadBatch:
    """Read an uploaded field sheet: save every good row, report every bad one with its row,
    column and reason (and keep them for the errors workbook)."""
    task = recordable_task(actor, task, CampaignKind.NET_CONTENT)
    sheet = _Sheet(UploadBatch.Kind.NET_CONTENT)
    keys = {spec[0] for spec in SPECS[sheet.kind]}

    def record(row: dict[str, str]) -> NetContentRecord:
        data = {k: v for k, v in row.items() if k in keys}
        data["tare_method"] = data.get("tare_method") or TareMethod.EACH
        return netcontent_build(actor=actor, task=task, **data)

    good: list[NetContentRecord] = sheet.build(upload, record)
    with transaction.atomic():
        netcontent_save(actor=actor, records=good)  # one chain lock for the whole sheet
        sheet.saved = len(good)
        return sheet.batch(actor=actor, task=task, upload=upload)


def label_check_import(*, actor: User | None, task: CampaignTask, upload) -> UploadBatch:
    """An energy-label field sheet: one check per row, the good rows saved together."""
    task = recordable_task(actor, task, CampaignKind.ENERGY_LABEL)
    sheet = _Sheet(UploadBatch.Kind.ENERGY_LABEL)

    def check(row: dict[str, str]) -> EnergyLabelCheck:
        data = dict(row)
        data["handling"] = data.get("handling") or EnforcementAction.NONE
        return label_check_build(actor=actor, task=task, **data)

    good: list[EnergyLabelCheck] = sheet.build(upload, check)
    with transaction.atomic():
        EnergyLabelCheck.objects.bulk_create(good, batch_size=500)
        sheet.saved = len(good)
        return sheet.batch(actor=actor, task=task, upload=upload, saved=good)


def instrument_import(*, actor: User | None, visit: InspectionVisit, upload) -> UploadBatch:
    """The instruments found on a visit, one per row, the good rows saved together."""
    visit = recordable_visit(actor, visit)
    sheet = _Sheet(UploadBatch.Kind.INSTRUMENTS)
    rows, overflow = [], None
    for number, row in _read_sheet(upload, sheet.kind):
        if number > MAX_SHEET_ROWS + 1:
            overflow = number
            break
        rows.append((number, row))
    lookups = VisitLookups(visit, [(row.get("owner_credit_code", ""),
                                     row.get("serial_number", "")) for _number, row in rows])
    good: list[InspectedInstrument] = []
    for number, row in rows:
        data = dict(row)
        try:
            for field, verdicts in (("verified_in_time", False), ("conforms", True)):
                try:
                    data[field] = yes_no(data.get(field, ""), verdicts=verdicts)
                except ValueError:
                    raise ValidationError({field: [_("Write yes or no.")]}) from None
            good.append(instrument_build(visit=visit, lookups=lookups, **data))
        except ValidationError as error:
            sheet.refuse(number, row, error)
    if overflow is not None:
        sheet.too_long(overflow)
    with transaction.atomic():
        InspectedInstrument.objects.bulk_create(good, batch_size=500)
        sheet.saved = len(good)
        return sheet.batch(actor=actor, task=visit.task, upload=upload, visit=visit, saved=good)


# The field sheet a task takes, by the kind of its campaign, and the service that reads it.
# (A special inspection's sheet, UploadBatch.Kind.INSTRUMENTS, is uploaded to a visit.)
TASK_SHEETS = {
    CampaignKind.NET_CONTENT: (UploadBatch.Kind.NET_CONTENT, netcontent_import),
    CampaignKind.ENERGY_LABEL: (UploadBatch.Kind.ENERGY_LABEL, label_check_import),
}


def _messages(error: ValidationError):
    if hasattr(error, "error_dict"):
        return error.message_dict.items()
    return [("", error.messages)]

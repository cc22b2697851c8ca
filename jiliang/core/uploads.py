"""Uploaded files are judged by their content, never by their name."""

from __future__ import annotations

import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The first bytes of each kind of file we accept.
MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
}
LABELS = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG", "xlsx": "Excel (xlsx)", "csv": "CSV"}
EXTENSIONS = {"pdf": (".pdf",), "png": (".png",), "jpeg": (".jpg", ".jpeg"),
              "xlsx": (".xlsx",), "csv": (".csv", ".txt")}


def sniff(head: bytes, file=None) -> str | None:
    """The kind of file its first bytes show: pdf, png, jpeg, xlsx, csv, or None."""
    for kind, signatures in MAGIC.items():
        if head.startswith(signatures):
            return kind
    if head.startswith(b"PK\x03\x04") and file is not None:
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        return None
    if head and b"\x00" not in head:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                head.decode(encoding)
            except UnicodeDecodeError:
                continue
            return "csv"
    return None


def check_upload(upload, *, allowed: tuple[str, ...], max_bytes: int, field: str = "file") -> str:
    """Validate an UploadedFile: its content is of an allowed kind and agrees with its name.

    Returns the kind; raises a ValidationError naming ``field`` and the rule otherwise.
    """
    if upload is None or not getattr(upload, "size", 0):
        raise ValidationError({field: [_("Choose a file to upload; this one is empty.")]})
    if upload.size > max_bytes:
        raise ValidationError({field: [_("The file is %(size)s MB; the limit is %(limit)s MB.") % {
            "size": round(upload.size / 1048576, 1), "limit": round(max_bytes / 1048576, 1)}]})
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    kind = sniff(head, upload)
    accepted = ", ".join(LABELS[k] for k in allowed)
    if kind not in allowed:
        raise ValidationError({field: [_(
            "The content of “%(name)s” is not one of the accepted types (%(types)s).") % {
            "name": upload.name, "types": accepted}]})
    name = (upload.name or "").lower()
    if not name.endswith(EXTENSIONS[kind]):
        raise ValidationError({field: [_(
            "“%(name)s” is named like another type of file than its content (%(kind)s).") % {
            "name": upload.name, "kind": LABELS[kind]}]})
    return kind

"""Uploaded files are judged by their content, never by their name."""

from __future__ import annotations

import codecs
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiliang.core.tabular import ENCODINGS

SNIFF_BYTES = 4096  # how much of a file its type is judged by

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
    if head and b"\x00" not in head and _text(head, complete=len(head) < SNIFF_BYTES):
        return "csv"
    return None


def _text(head: bytes, *, complete: bool) -> bool:
    """Whether the first bytes are UTF-8 or GB18030 text. A character cut at the end of the
    sniffed bytes is not held against them (the incremental decoders keep it pending); a text
    with a stray byte or two is still a csv, so that the reader refuses it naming the row and
    the byte (``tabular.decode_text``) instead of calling it another type of file."""
    for encoding in ENCODINGS:
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return True
    mended = min((head.decode(encoding, "replace") for encoding in ENCODINGS),
                 key=lambda text: text.count("\ufffd"))
    return mended.count("\ufffd") * 100 <= len(mended)  # at most 1 % stray bytes


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
    head = upload.read(SNIFF_BYTES)
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

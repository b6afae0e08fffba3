"""Checking uploaded files by their content, never by their name."""
from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
from dataclasses import dataclass

import filetype
from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

log = logging.getLogger("rebar.uploads")

SUPPORT_FILE_TYPES = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
    "image/webp": "webp",
    "image/tiff": "tif",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the client gave and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


class UploadRejected(ValueError):
    """The message is written for the person who chose the file."""


def safe_filename(name: str, extension: str) -> str:
    """A display-safe name with the extension the content proved."""
    base = unicodedata.normalize("NFKC", name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w\- ]+", "_", stem, flags=re.UNICODE).strip(" ._")[:100] or "file"
    return f"{stem}.{extension}"


def _check_size(upload: Upload, max_bytes: int) -> None:
    if not upload.content:
        raise UploadRejected(_("The file is empty."))
    if len(upload.content) > max_bytes:
        raise UploadRejected(_("The file is larger than the %(mb)s MB limit.", mb=max_bytes // (1024 * 1024)))


def _is_readable_pdf(content: bytes) -> bool:
    """A PDF header at byte 0 (so no HTML/PDF polyglots), a parsable cross-reference table and
    a catalogue declaring at least one page. The page tree is not walked: a crafted tree of a
    few kilobytes can take seconds of CPU to traverse."""
    if not content.startswith(b"%PDF-"):
        return False
    try:
        pages = PdfReader(io.BytesIO(content), strict=False).trailer["/Root"]["/Pages"]
        count = pages.get_object()["/Count"]
        return isinstance(count, int) and count > 0
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        log.info("PDF rejected: %s", type(exc).__name__)
        return False


def check_invoice_pdf(upload: Upload, max_bytes: int) -> CheckedFile:
    _check_size(upload, max_bytes)
    if not _is_readable_pdf(upload.content):
        raise UploadRejected(_("The invoice must be a PDF file. This file is not a readable PDF."))
    return _checked(upload, "application/pdf", "pdf")


def check_support_file(upload: Upload, max_bytes: int, allowed: dict[str, str] | None = None,
                       refusal: str | None = None) -> CheckedFile:
    """The file's type comes from its content, never its name; `allowed` (MIME type → file
    extension) narrows SUPPORT_FILE_TYPES and `refusal` says which types those are."""
    _check_size(upload, max_bytes)
    allowed = allowed or SUPPORT_FILE_TYPES
    kind = filetype.guess(upload.content)
    mime = kind.mime if kind else None
    if mime not in allowed:
        raise UploadRejected(refusal or _("Supporting files can be PDF, JPEG, PNG, HEIC, WebP, TIFF, "
                                          "Excel (.xlsx) or Word (.docx)."))
    if mime == "application/pdf" and not _is_readable_pdf(upload.content):
        raise UploadRejected(_("This PDF could not be read. Check that it opens, then upload it again."))
    return _checked(upload, mime, allowed[mime])


def _checked(upload: Upload, mime: str, extension: str) -> CheckedFile:
    return CheckedFile(filename=safe_filename(upload.filename, extension), content_type=mime,
                       content=upload.content, sha256=hashlib.sha256(upload.content).hexdigest())

"""Uploaded files (tệp đính kèm): validated, stored outside the web root, served by a checked view.

Every upload in the system goes through :func:`store_upload`, which refuses with a clear Vietnamese
message (:class:`UploadRefused`, a 422) anything that is

- empty or larger than ``max_bytes`` (default ``MAX_UPLOAD_BYTES``);
- not really one of the allowed kinds: the type is read from the content's magic bytes with the
  ``filetype`` package, never from the browser's Content-Type, and the file name's extension must
  agree with it (a PDF renamed ``.docx`` is refused, and so is a ``.docx`` that is not a zip);
- a Word/Excel file (a zip archive inside) with more than :data:`MAX_ZIP_ENTRIES` entries, more
  than :data:`MAX_UNCOMPRESSED_BYTES` when unpacked, a compression ratio above
  :data:`MAX_COMPRESSION_RATIO` (a zip bomb), encrypted entries, or sizes that lie (every entry is
  actually decompressed, with the limits enforced while reading, and its CRC checked).

Accepted files are saved under ``current_app.config["UPLOAD_DIR"]`` with a random name; the
original name is kept only as data for the download. Usage::

    values = store_upload(request.files["file"], allowed_kinds=EVIDENCE_KINDS)
    db.session.add(Attachment(**values, progress_report_id=report.id, uploaded_by_id=user.id))

If the transaction that records the file is rolled back, call :func:`discard_upload` so no orphan
file is left on disk. Serve a stored file with :func:`open_upload` (the caller checks permission).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, BinaryIO

import filetype
from flask import current_app
from flask_babel import gettext as _

from app.core.clock import now_utc
from app.core.errors import NotFound, ValidationFailed
from app.core.text import strip_bidi_controls

__all__ = [
    "DOCUMENT_KINDS",
    "EVIDENCE_KINDS",
    "KINDS",
    "MAX_COMPRESSION_RATIO",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_ENTRIES",
    "UploadKind",
    "UploadRefused",
    "accept_attribute",
    "check_spreadsheet",
    "describe_kinds",
    "discard_upload",
    "human_size",
    "open_upload",
    "store_upload",
    "upload_path",
]


@dataclass(frozen=True)
class UploadKind:
    """A file type the system accepts: the MIME type stored and served, and the extensions allowed."""

    key: str
    mime: str
    extensions: tuple[str, ...]
    label: str
    #: Word and Excel files are zip archives whose inside is checked too.
    is_ooxml: bool = False
    #: Folder that must exist inside an OOXML archive ("word/document.xml" for DOCX).
    ooxml_part: str | None = None


KINDS: dict[str, UploadKind] = {
    "pdf": UploadKind("pdf", "application/pdf", (".pdf",), "PDF"),
    "docx": UploadKind(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        "Word (DOCX)",
        is_ooxml=True,
        ooxml_part="word/document.xml",
    ),
    "xlsx": UploadKind(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
        "Excel (XLSX)",
        is_ooxml=True,
        ooxml_part="xl/workbook.xml",
    ),
    "png": UploadKind("png", "image/png", (".png",), "PNG"),
    "jpeg": UploadKind("jpeg", "image/jpeg", (".jpg", ".jpeg"), "JPEG"),
}

#: Evidence of a progress report (domain.md §7.2): documents, spreadsheets and photos.
EVIDENCE_KINDS = frozenset(KINDS)
#: A signed directive or notice: the scanned PDF or the Word original.
DOCUMENT_KINDS = frozenset({"pdf", "docx"})

#: Zip-bomb limits for DOCX/XLSX (a real 20 MB report stays far below them).
MAX_ZIP_ENTRIES = 2000
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
#: Small entries may compress extremely well (an empty sheet's XML); the per-entry ratio is only
#: judged from this size on, while the whole archive's ratio is always judged.
_RATIO_MIN_ENTRY_BYTES = 1024 * 1024

_CHUNK = 64 * 1024
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{1,5}")
# Characters no file system or browser download likes; Vietnamese letters are kept.
_BAD_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


class UploadRefused(ValidationFailed):
    """An upload that is refused (too large, wrong type, unsafe archive); nothing was saved."""

    code = "upload_refused"


# --------------------------------------------------------------------------------------------
# Descriptions for forms and messages
# --------------------------------------------------------------------------------------------


def _kinds(keys: Iterable[str]) -> list[UploadKind]:
    unknown = set(keys) - set(KINDS)
    if unknown:
        raise KeyError(f"unknown upload kinds: {sorted(unknown)}")
    return [kind for key, kind in KINDS.items() if key in set(keys)]


def human_size(n: int) -> str:
    """20 MB, 512 KB, 300 byte: sizes in messages, with the Vietnamese decimal comma."""
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            value = f"{n / size:.1f}".rstrip("0").rstrip(".")
            return f"{value.replace('.', ',')} {unit}"
    return f"{n} byte"


def describe_kinds(keys: Iterable[str]) -> str:
    """"PDF, Word (DOCX), PNG": the accepted kinds as shown in help text and refusals."""
    return ", ".join(kind.label for kind in _kinds(keys))


def accept_attribute(keys: Iterable[str]) -> str:
    """Value for an ``<input type=file accept=…>`` (a convenience only; the server decides)."""
    return ",".join(ext for kind in _kinds(keys) for ext in kind.extensions)


# --------------------------------------------------------------------------------------------
# Storing
# --------------------------------------------------------------------------------------------


def _upload_dir() -> Path:
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def upload_path(stored_name: str) -> Path:
    """Where a stored file lives; refuses any name the system did not generate (no path tricks)."""
    if not _STORED_NAME.fullmatch(stored_name or ""):
        raise NotFound(_("Không tìm thấy tệp đính kèm."))
    return _upload_dir() / stored_name


def clean_filename(name: str | None) -> str:
    """The original name made safe to keep and to offer as a download name (diacritics kept)."""
    # Bidirectional controls would show "tài liệu<U+202E>fdp.exe" as "tài liệuexe.pdf": removed.
    name = strip_bidi_controls(unicodedata.normalize("NFC", name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = _BAD_NAME_CHARS.sub("", name).strip().strip(".").strip()
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext)] + ext
    return name


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _copy_limited(stream: IO[bytes], target: BinaryIO, max_bytes: int, filename: str) -> tuple[int, str]:
    """Copy the upload to ``target`` and hash it, stopping as soon as it exceeds ``max_bytes``."""
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise UploadRefused(
                _("Tệp “%(name)s” quá lớn: tối đa %(max)s mỗi tệp.", name=filename, max=human_size(max_bytes))
            )
        digest.update(chunk)
        target.write(chunk)
    if size == 0:
        raise UploadRefused(_("Tệp “%(name)s” rỗng.", name=filename))
    return size, digest.hexdigest()


def _detect_kind(path: Path) -> UploadKind | None:
    """The kind the content really is, from its magic bytes (None when it is none of ours)."""
    guessed = filetype.guess(str(path))
    if guessed is None:
        return None
    for kind in KINDS.values():
        if guessed.mime == kind.mime:
            return kind
    if guessed.mime == "application/zip":
        # filetype only looks at the first few zip entries; some writers put word/ further down.
        return _ooxml_kind_by_parts(path)
    return None


def _ooxml_kind_by_parts(path: Path) -> UploadKind | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for kind in KINDS.values():
        if kind.is_ooxml and kind.ooxml_part in names:
            return kind
    return None


def _refuse_type(filename: str, allowed: list[UploadKind]) -> UploadRefused:
    return UploadRefused(
        _("Tệp “%(name)s” không thuộc loại được nhận. Chỉ nhận: %(kinds)s.",
          name=filename, kinds=", ".join(k.label for k in allowed))
    )


def _check_type(path: Path, filename: str, allowed: list[UploadKind]) -> UploadKind:
    extension = _extension(filename)
    claimed = next((k for k in allowed if extension in k.extensions), None)
    actual = _detect_kind(path)
    if claimed is None:
        raise _refuse_type(filename, allowed)
    if actual is None or actual is not claimed:
        # The name says one thing and the bytes another: a renamed or disguised file.
        raise UploadRefused(
            _("Tệp “%(name)s” có đuôi %(ext)s nhưng nội dung không phải là tệp %(kind)s hợp lệ.",
              name=filename, ext=extension, kind=claimed.label)
        )
    return actual


def _refuse_archive(filename: str, reason: str) -> UploadRefused:
    return UploadRefused(
        _("Tệp “%(name)s” bị từ chối vì cấu trúc bên trong không an toàn: %(reason)s.", name=filename, reason=reason)
    )


def _check_ooxml_archive(path: Path, filename: str, kind: UploadKind) -> None:
    """Zip-bomb and sanity checks on a DOCX/XLSX, on the declared sizes and then on the real data."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_declared(entries, path.stat().st_size, filename)
            if kind.ooxml_part not in {e.filename for e in entries}:
                raise UploadRefused(
                    _("Tệp “%(name)s” không phải là tệp %(kind)s hợp lệ.", name=filename, kind=kind.label)
                )
            _check_actual(archive, entries, filename)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as error:
        # NotImplementedError: an unsupported compression method; the others: a broken archive.
        current_app.logger.info("refused archive %s: %s", filename, error)
        raise UploadRefused(
            _("Tệp “%(name)s” bị hỏng hoặc không phải là tệp %(kind)s hợp lệ.", name=filename, kind=kind.label)
        ) from None


def _check_declared(entries: list[zipfile.ZipInfo], archive_size: int, filename: str) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _refuse_archive(filename, _("có %(n)d tệp con (tối đa %(max)d)", n=len(entries), max=MAX_ZIP_ENTRIES))
    total = sum(e.file_size for e in entries)
    _check_totals(total, archive_size, filename)
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise _refuse_archive(filename, _("có nội dung được mã hóa"))
        _check_entry_ratio(entry.file_size, entry.compress_size, filename)


def _check_totals(total: int, archive_size: int, filename: str) -> None:
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _refuse_archive(
            filename, _("giải nén ra hơn %(max)s", max=human_size(MAX_UNCOMPRESSED_BYTES))
        )
    if total > MAX_COMPRESSION_RATIO * max(archive_size, 1):
        raise _refuse_archive(
            filename, _("tỷ lệ nén vượt quá %(ratio)d lần (dấu hiệu “zip bomb”)", ratio=MAX_COMPRESSION_RATIO)
        )


def _check_entry_ratio(uncompressed: int, compressed: int, filename: str) -> None:
    if uncompressed >= _RATIO_MIN_ENTRY_BYTES and uncompressed > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise _refuse_archive(
            filename, _("tỷ lệ nén vượt quá %(ratio)d lần (dấu hiệu “zip bomb”)", ratio=MAX_COMPRESSION_RATIO)
        )


def _check_actual(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], filename: str) -> None:
    """Decompress every entry with the limits enforced while reading, so sizes that lie are caught.

    zipfile stops at the declared size and then checks the CRC, so an entry that inflates to more
    than it declares fails with BadZipFile (refused as broken) rather than growing without bound.
    """
    total = 0
    archive_size = os.path.getsize(archive.filename) if archive.filename else 0
    for entry in entries:
        produced = 0
        with archive.open(entry) as member:
            while chunk := member.read(_CHUNK):
                produced += len(chunk)
                total += len(chunk)
                _check_totals(total, archive_size, filename)
        if produced != entry.file_size:
            raise zipfile.BadZipFile(f"size mismatch in {entry.filename}")
        _check_entry_ratio(produced, entry.compress_size, filename)


def check_spreadsheet(path: Path, filename: str) -> None:
    """The zip-bomb and structure checks of an XLSX that is read and not kept (directory imports)."""
    _check_ooxml_archive(path, filename, KINDS["xlsx"])


def store_upload(
    file_storage,
    *,
    allowed_kinds: Iterable[str] = EVIDENCE_KINDS,
    max_bytes: int | None = None,
    field: str | None = None,
) -> dict:
    """Validate an uploaded file and save it under UPLOAD_DIR with a random name.

    ``file_storage`` is a werkzeug ``FileStorage`` (anything with ``.filename`` and ``.stream``).
    Returns the :class:`~app.models.Attachment` column values ``filename``, ``stored_name``,
    ``content_type`` (from the detected type, not the browser), ``size_bytes``, ``sha256`` and
    ``uploaded_at``; the caller adds the owner (``directive_id`` or ``progress_report_id``) and
    ``uploaded_by_id``. Raises :class:`UploadRefused` (nothing saved) when the file is refused.
    """
    allowed = _kinds(allowed_kinds)
    max_bytes = int(max_bytes if max_bytes is not None else current_app.config["MAX_UPLOAD_BYTES"])
    filename = clean_filename(getattr(file_storage, "filename", None))
    if file_storage is None or not filename:
        raise UploadRefused(_("Chưa chọn tệp."), field=field)
    directory = _upload_dir()
    handle = tempfile.NamedTemporaryFile(dir=directory, prefix=TEMP_PREFIX, delete=False)
    temp_path = Path(handle.name)
    try:
        with handle:
            size, sha256 = _copy_limited(file_storage.stream, handle, max_bytes, filename)
        kind = _check_type(temp_path, filename, allowed)
        if kind.is_ooxml:
            _check_ooxml_archive(temp_path, filename, kind)
        stored_name = f"{secrets.token_hex(16)}{kind.extensions[0]}"
        os.replace(temp_path, directory / stored_name)
    except UploadRefused as refusal:
        temp_path.unlink(missing_ok=True)
        refusal.field = refusal.field or field
        raise
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    os.chmod(directory / stored_name, 0o640)
    return {
        "filename": filename,
        "stored_name": stored_name,
        "content_type": kind.mime,
        "size_bytes": size,
        "sha256": sha256,
        "uploaded_at": now_utc(),
    }


def discard_upload(stored: dict | str) -> None:
    """Delete a stored file whose database row was never committed (the values or the stored name)."""
    stored_name = stored["stored_name"] if isinstance(stored, dict) else stored
    try:
        upload_path(stored_name).unlink(missing_ok=True)
    except NotFound:
        return


def open_upload(attachment) -> BinaryIO:
    """Open a stored attachment for reading (binary); NotFound when the file is gone from disk.

    The caller must already have checked that the current user may see what the file belongs to.
    """
    path = upload_path(attachment.stored_name)
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise NotFound(_("Tệp đính kèm không còn trên máy chủ. Vui lòng liên hệ Văn phòng.")) from None


#: Prefix of the temporary file an upload is written to before it is checked and renamed.
TEMP_PREFIX = ".upload-"
#: A temporary upload older than this was abandoned (a worker killed mid-upload): requests time out
#: after 60 s, so nothing still being written is this old.
TEMP_MAX_AGE = timedelta(minutes=15)


def purge_abandoned_uploads(now: datetime | None = None, *, max_age: timedelta = TEMP_MAX_AGE) -> int:
    """Delete ``.upload-*`` files left behind by killed workers (web start-up and the scheduler)."""
    directory = Path(current_app.config["UPLOAD_DIR"])
    if not directory.is_dir():
        return 0
    cutoff = (now or now_utc()).timestamp() - max_age.total_seconds()
    removed = 0
    for path in directory.glob(TEMP_PREFIX + "*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another process removed it first
            continue
    return removed

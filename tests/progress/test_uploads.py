"""app.core.uploads: size, real type by magic bytes, zip bombs disguised as Office files, storage."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from app.core import uploads
from app.core.errors import NotFound
from app.core.uploads import EVIDENCE_KINDS, UploadRefused, discard_upload, open_upload, store_upload
from tests.progress.helpers import docx_bytes, pdf_bytes, png_bytes, xlsx_bytes


def _file(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def _stored_files(app) -> set[str]:
    return set(os.listdir(app.config["UPLOAD_DIR"]))


def _zip(entries: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "make", "mime"), [
    ("Báo cáo kết quả.pdf", pdf_bytes, "application/pdf"),
    ("Kế hoạch.docx", docx_bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("Số liệu.xlsx", xlsx_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("anh-hoi-nghi.png", png_bytes, "image/png"),
])
def test_accepted_kinds_are_stored_under_a_random_name_outside_the_web_root(app, name, make, mime):
    data = make()
    values = store_upload(_file(data, name), allowed_kinds=EVIDENCE_KINDS)
    assert values["filename"] == name  # Vietnamese name kept for the download
    assert values["content_type"] == mime  # from the content, not from the browser
    assert values["size_bytes"] == len(data)
    assert values["stored_name"] != name and values["stored_name"].endswith(Path(name).suffix.lower())
    stored = Path(app.config["UPLOAD_DIR"]) / values["stored_name"]
    assert stored.read_bytes() == data
    assert "static" not in str(stored)
    with open_upload(type("A", (), values)()) as handle:
        assert handle.read() == data
    discard_upload(values)
    assert not stored.exists()


def test_jpeg_is_accepted_with_either_extension(app):
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
    for name in ("anh.jpg", "anh.JPEG"):
        assert store_upload(_file(jpeg, name))["content_type"] == "image/jpeg"


def test_too_large_is_refused_with_the_limit_and_nothing_is_saved(app):
    before = _stored_files(app)
    with pytest.raises(UploadRefused) as refused:
        store_upload(_file(pdf_bytes(5000), "bao-cao.pdf"), max_bytes=4096)
    assert "quá lớn" in refused.value.message and "4 KB" in refused.value.message
    assert refused.value.status_code == 422
    assert _stored_files(app) == before


def test_empty_and_missing_files_are_refused(app):
    with pytest.raises(UploadRefused, match="rỗng"):
        store_upload(_file(b"", "trong.pdf"))
    with pytest.raises(UploadRefused, match="Chưa chọn tệp"):
        store_upload(_file(b"x", ""))


@pytest.mark.parametrize(("name", "data"), [
    ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
    ("ghi-chu.txt", b"chi la van ban"),
    ("cu.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    ("trang.html", b"<html><script>alert(1)</script></html>"),
])
def test_forbidden_types_are_refused_naming_the_accepted_ones(app, name, data):
    before = _stored_files(app)
    with pytest.raises(UploadRefused) as refused:
        store_upload(_file(data, name))
    assert "không thuộc loại được nhận" in refused.value.message
    assert "PDF" in refused.value.message and "Word (DOCX)" in refused.value.message
    assert _stored_files(app) == before


def test_a_kind_not_allowed_for_this_upload_is_refused(app):
    with pytest.raises(UploadRefused, match="không thuộc loại được nhận"):
        store_upload(_file(png_bytes(), "anh.png"), allowed_kinds={"pdf", "docx"})


@pytest.mark.parametrize(("name", "make"), [
    ("that-ra-la-pdf.docx", pdf_bytes),  # a renamed PDF
    ("khong-phai-zip.docx", lambda: b"Day khong phai tep Word " * 20),  # not a zip at all
    ("bang-tinh.docx", xlsx_bytes),  # an Excel file named .docx
    ("anh.pdf", png_bytes),  # an image named .pdf
])
def test_content_that_does_not_match_its_extension_is_refused(app, name, make):
    before = _stored_files(app)
    with pytest.raises(UploadRefused) as refused:
        store_upload(_file(make(), name))
    assert "nội dung không phải là tệp" in refused.value.message
    assert _stored_files(app) == before


def test_zip_bomb_disguised_as_docx_is_refused(app):
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (60 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024  # 60 MB packed into a tiny file
    before = _stored_files(app)
    with pytest.raises(UploadRefused) as refused:
        store_upload(_file(bomb, "bao-cao-ket-qua.docx"))
    assert "zip bomb" in refused.value.message and "bao-cao-ket-qua.docx" in refused.value.message
    assert _stored_files(app) == before


def test_archive_with_too_many_entries_is_refused(app):
    entries = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    entries.update({f"word/media/p{i}.xml": b"<p/>" for i in range(uploads.MAX_ZIP_ENTRIES)})
    with pytest.raises(UploadRefused, match="tệp con"):
        store_upload(_file(_zip(entries, zipfile.ZIP_STORED), "nhieu-tep.docx"))


def test_archive_that_unpacks_beyond_the_total_limit_is_refused(app, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_BYTES", 512 * 1024)
    # Incompressible content: the ratio is fine, the unpacked total is not.
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
                 "word/media/image1.png": os.urandom(600 * 1024)})
    with pytest.raises(UploadRefused, match="giải nén ra hơn"):
        store_upload(_file(data, "anh-lon.docx"))


def test_archive_whose_headers_lie_about_sizes_is_refused(app):
    """A bomb that declares small sizes is caught while reading (sizes and CRC are verified)."""
    honest = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"A" * 300_000})
    lying = bytearray(honest)
    # Rewrite the uncompressed size of word/document.xml in the central directory to 1.000 bytes.
    start = lying.find(b"PK\x01\x02", lying.find(b"PK\x01\x02") + 4)
    assert lying[start + 46:start + 46 + 17] == b"word/document.xml"
    struct.pack_into("<I", lying, start + 24, 1000)
    with pytest.raises(UploadRefused) as refused:
        store_upload(_file(bytes(lying), "gia-mao.docx"))
    assert "bị hỏng" in refused.value.message


def test_real_docx_with_many_images_passes(app):
    entries = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document>" + b"<w:p/>" * 2000 + b"</w:document>"}
    entries.update({f"word/media/image{i}.png": os.urandom(2048) for i in range(50)})
    values = store_upload(_file(_zip(entries), "bao-cao-co-anh.docx"))
    assert values["content_type"].endswith("wordprocessingml.document")


def test_stored_names_cannot_escape_the_upload_dir(app):
    for name in ("../config.py", "/etc/passwd", "abc.pdf", ""):
        with pytest.raises(NotFound):
            uploads.upload_path(name)


def test_missing_file_on_disk_is_a_clear_not_found(app):
    values = store_upload(_file(pdf_bytes(), "a.pdf"))
    discard_upload(values)
    with pytest.raises(NotFound, match="không còn trên máy chủ"):
        open_upload(type("A", (), values)())


def test_file_names_are_cleaned_but_keep_vietnamese(app):
    assert uploads.clean_filename("C:\\Users\\x\\Báo cáo quý II.pdf") == "Báo cáo quý II.pdf"
    assert uploads.clean_filename("../../etc/pass<wd>.pdf") == "passwd.pdf"
    assert uploads.clean_filename("a\x00b.pdf") == "ab.pdf"
    long_name = "x" * 300 + ".pdf"
    assert len(uploads.clean_filename(long_name)) == 255 and uploads.clean_filename(long_name).endswith(".pdf")

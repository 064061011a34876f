"""The Word file opens in LibreOffice: the web PDF download is converted from it, page 1 is rendered to
PNG and kept as a test artefact under artifacts/.

`make test` installs libreoffice-writer-nogui and poppler-utils; on CI (CI=true) a missing LibreOffice
is a failure, not a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from app.core.periods import Period
from app.extensions import db
from app.reports.docx import soffice_path
from app.reports.drafts import create_report
from tests.reports.conftest import add_key_indicators
from tests.reports.test_builder import add_as03

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
#: The Word file is built by the same code on either database (tests/reports checks it on both); what
#: this adds, LibreOffice's rendering of it, cannot depend on the database: SQLite pass only.
pytestmark = pytest.mark.once


def require_tools() -> None:
    missing = [name for name, found in (("LibreOffice (soffice)", soffice_path()),
                                        ("pdftoppm", shutil.which("pdftoppm")),
                                        ("pdftotext", shutil.which("pdftotext"))) if not found]
    if not missing:
        return
    message = f"not installed: {', '.join(missing)} (apt-get install libreoffice-writer-nogui poppler-utils)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def test_docx_renders_in_libreoffice_with_the_header_table_on_page_one(client, as01, agencies, chief, db_kind):
    require_tools()
    add_key_indicators()
    add_as03(agencies, declared={"MTTQ": 51, "LĐLĐ": 22, "CTĐ": 20})
    row = create_report(chief, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    client.login(chief)
    response = client.get(f"/reports/{row.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    assert pdf.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / f"report-2024-Q2-{db_kind}.pdf"
    pdf_path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf_path), "-"],
                          capture_output=True, check=True, timeout=60).stdout.decode()
    first = [line for line in text.splitlines() if line.strip()]
    # Layout mode keeps the header table's two columns on the same lines: issuer left, Party name right.
    assert "HUYỆN ỦY PHỤNG HIỆP" in first[0] and "ĐẢNG CỘNG SẢN VIỆT NAM" in first[0]
    assert first[0].index("HUYỆN ỦY") < first[0].index("ĐẢNG CỘNG SẢN")
    number_line = next(line for line in first if "-BC/VPHU" in line)
    assert "Phụng Hiệp, ngày" in number_line and number_line.index("Số") < number_line.index("Phụng Hiệp")
    assert "BÁO CÁO" in text and "I. NHỮNG KẾT QUẢ THỰC HIỆN THÔNG BÁO KẾT LUẬN" in text
    png_stem = ARTIFACTS / f"report-2024-Q2-page1-{db_kind}"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                    str(png_stem)], check=True, timeout=60)
    png = png_stem.with_suffix(".png")
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_pdf_link_is_refused_cleanly_without_libreoffice(client, chief, as01, monkeypatch):
    import app.reports.routes as routes

    monkeypatch.setattr(routes, "soffice_path", lambda: None)
    row = create_report(chief, Period(2024, "quarter", 2), date(2024, 6, 20))
    db.session.commit()
    client.login(chief)
    response = client.get(f"/reports/{row.id}/report.pdf")
    assert response.status_code == 404
    assert "LibreOffice" in response.get_data(as_text=True)

"""`flask orgs import|export`: dry run, idempotent re-import, row-level refusals, deactivation."""

from __future__ import annotations

import sqlalchemy as sa
from openpyxl import Workbook

from app.core.enums import OrganisationKind
from app.extensions import db
from app.models import AuditEvent, Organisation
from tests.directory.conftest import ORGS_CSV


def orgs() -> dict[str, Organisation]:
    db.session.expire_all()
    return {o.code: o for o in db.session.scalars(sa.select(Organisation))}


def test_dry_run_then_import_then_reimport_changes_nothing(runner, write):
    path = write("orgs.csv", ORGS_CSV)
    dry = runner.invoke(args=["orgs", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "create BTG: Ban Tuyên giáo Huyện ủy" in dry.output
    assert "dry run, nothing written: created 5, changed 0, unchanged 0" in dry.output
    assert orgs() == {}

    done = runner.invoke(args=["orgs", "import", str(path)])
    assert done.exit_code == 0, done.output
    found = orgs()
    assert set(found) == {"HU", "VP", "BTG", "LĐLĐ", "X.TANBINH"}
    assert found["BTG"].parent.code == "HU" and found["X.TANBINH"].kind is OrganisationKind.COMMUNE
    assert found["BTG"].email_list == ["btg@longmy.example", "tuyengiao@longmy.example"]
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    assert events == 5  # each organisation created is audited

    again = runner.invoke(args=["orgs", "import", str(path)])
    assert again.exit_code == 0 and "created 0, changed 0, unchanged 5" in again.output
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


def test_changes_are_listed_and_missing_organisations_stay(runner, write):
    runner.invoke(args=["orgs", "import", str(write("orgs.csv", ORGS_CSV))])
    changed = ORGS_CSV.replace("Ban Tuyên giáo Huyện ủy,Ban Tuyên giáo", "Ban Tuyên giáo và Dân vận,Ban TG-DV")
    changed = "\n".join(line for line in changed.splitlines() if not line.startswith("LĐLĐ")) + "\n"
    result = runner.invoke(args=["orgs", "import", str(write("orgs2.csv", changed)), "--dry-run"])
    assert "update BTG: name 'Ban Tuyên giáo Huyện ủy' → 'Ban Tuyên giáo và Dân vận'; short_name" in result.output
    assert "created 0, changed 1, unchanged 3, deactivated 0" in result.output
    runner.invoke(args=["orgs", "import", str(write("orgs2.csv", changed))])
    assert orgs()["LĐLĐ"].is_active  # not in the file: left alone

    result = runner.invoke(args=["orgs", "import", str(write("orgs2.csv", changed)), "--deactivate-missing"])
    assert "deactivate LĐLĐ: active True → False" in result.output and result.exit_code == 0
    assert orgs()["LĐLĐ"].is_active is False  # deactivated, never deleted


def test_active_column_deactivates_a_merged_commune(runner, write):
    runner.invoke(args=["orgs", "import", str(write("orgs.csv", ORGS_CSV))])
    merged = "code,name,kind,active\nX.TANBINH,Đảng ủy xã Tân Bình,commune,0\n"
    result = runner.invoke(args=["orgs", "import", str(write("merge.csv", merged))])
    assert "deactivate X.TANBINH" in result.output, result.output
    assert orgs()["X.TANBINH"].is_active is False and orgs()["BTG"].is_active


def test_bad_rows_are_listed_with_row_numbers_and_nothing_is_written(runner, write):
    nfd = "Đảng ủy xã Tân Hòa".replace("â", "a\u0302")
    bad = (
        "code,name,kind,parent_code,emails\n"
        "HU,Huyện ủy,committee,,\n"                    # row 2: fine
        "BTG,Ban Tuyên giáo,phong ban,HU,\n"           # row 3: unknown kind
        "X.A,Đảng ủy xã A,commune,KHONGCO,\n"          # row 4: missing parent
        "HU,Huyện ủy lần hai,committee,,\n"            # row 5: duplicate code
        "VP,Văn phòng,advisory,HU,vanphong@@x\n"       # row 6: bad e-mail
        f"X.B,{nfd},commune,HU,\n"                     # row 7: NFD text
    )
    result = runner.invoke(args=["orgs", "import", str(write("bad.csv", bad))])
    assert result.exit_code == 1
    out = result.output
    for row, column in ((3, "kind"), (4, "parent_code"), (5, "code"), (6, "emails"), (7, "name")):
        assert f"dòng {row}, {column}:" in out, out
    assert "nothing was written" in out
    assert orgs() == {}


def test_unknown_columns_and_unreadable_files_are_refused(runner, write):
    result = runner.invoke(args=["orgs", "import", str(write("x.csv", "code,name,cấp cha\nA,B,C\n"))])
    assert result.exit_code == 1 and "Không nhận ra cột “cấp cha”" in result.output
    result = runner.invoke(args=["orgs", "import", str(write("x.csv", "code,name\nA,Bình\n".encode("cp1258", "ignore") + b"\xe0\n"))])
    assert result.exit_code == 1 and "UTF-8" in result.output
    result = runner.invoke(args=["orgs", "import", str(write("x.txt", "code,name\n"))])
    assert result.exit_code == 1 and ".csv" in result.output
    assert orgs() == {}


def test_vietnamese_headings_in_xlsx_and_export_round_trip(runner, write, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã", "Tên", "Tên ngắn", "Loại", "Mã cấp trên", "Email liên hệ"])
    sheet.append(["HU", "Huyện ủy", None, "Cấp ủy", None, None])
    sheet.append(["MTTQ", "Ủy ban MTTQ Việt Nam huyện", "MTTQ", "Mặt trận Tổ quốc", "HU", "mttq@longmy.example"])
    book.save(tmp_path / "vi.xlsx")
    result = runner.invoke(args=["orgs", "import", str(tmp_path / "vi.xlsx")])
    assert result.exit_code == 0, result.output
    assert orgs()["MTTQ"].kind is OrganisationKind.FRONT and orgs()["MTTQ"].parent.code == "HU"

    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"export.{fmt}"
        assert runner.invoke(args=["orgs", "export", str(out)]).exit_code == 0
        again = runner.invoke(args=["orgs", "import", str(out), "--dry-run"])
        assert "created 0, changed 0, unchanged 2" in again.output, again.output
    template = tmp_path / "mau.xlsx"
    assert runner.invoke(args=["orgs", "template", str(template)]).exit_code == 0
    assert "create X.TANBINH" in runner.invoke(args=["orgs", "import", str(template), "--dry-run"]).output

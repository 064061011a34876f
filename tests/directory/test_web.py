"""The admin upload pages: preview (dry run), import the previewed file, refusals with row numbers,
templates and export to download, invitations sent from the page."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook

from app.core.enums import OrganisationKind, Role
from app.extensions import db
from app.models import Organisation, User
from tests.directory.conftest import ORGS_CSV, PEOPLE_CSV, link_token

PAYLOAD_RE = re.compile(r'name="payload" value="([^"]+)"')


def admin_client(client, factories):
    admin = factories.user(Role.ADMIN, factories.org("QT", name="Quản trị", kind=OrganisationKind.ADVISORY),
                           email="admin@longmy.example")
    assert client.login(admin).status_code == 302
    return admin


def upload(client, url: str, name: str, content: str, **extra):
    data = {"file": (io.BytesIO(content.encode()), name), "preview": "1", "csrf_token": client.csrf_token("/"), **extra}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_preview_then_import_the_same_file(client, factories, smtp):
    admin_client(client, factories)
    preview = upload(client, "/admin/organisations/import", "to-chuc.csv", ORGS_CSV)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="import-preview"' in html and "X.TANBINH" in html
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 1  # only the admin's own
    payload = PAYLOAD_RE.search(html).group(1)
    done = client.post_form("/admin/organisations/import", {"payload": payload, "filename": "to-chuc.csv", "confirm": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/organisations")
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 6

    people = upload(client, "/admin/users/import", "nguoi-dung.csv", PEOPLE_CSV)
    payload = PAYLOAD_RE.search(people.get_data(as_text=True)).group(1)
    done = client.post_form("/admin/users/import", {"payload": payload, "filename": "nguoi-dung.csv", "confirm": "1"})
    assert done.status_code == 302
    assert len(smtp.wait_for(3)) == 3

    officer = db.session.scalar(sa.select(User).where(User.email == "canbo.btg@longmy.example"))
    resent = client.post_form(f"/admin/users/{officer.id}/invite")
    assert resent.status_code == 302
    messages = smtp.wait_for(4)
    assert messages[-1].recipients == ["canbo.btg@longmy.example"]
    assert link_token(messages[-1]) != link_token(smtp.to("canbo.btg@longmy.example")[0])


def test_bad_file_is_refused_with_row_numbers_and_changes_nothing(client, factories):
    admin_client(client, factories)
    bad = ORGS_CSV.replace("mass_org", "cau lac bo").replace("X.TANBINH,Đảng ủy xã Tân Bình,xã Tân Bình,commune,HU",
                                                                 "X.TANBINH,Đảng ủy xã Tân Bình,xã Tân Bình,commune,XYZ")
    response = upload(client, "/admin/organisations/import", "to-chuc.csv", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="import-problems"' in html and 'name="payload"' not in html
    assert "<td>5</td><td>kind</td>" in html and "<td>6</td><td>parent_code</td>" in html
    forced = client.post_form("/admin/organisations/import", {"payload": "", "confirm": "1"})
    assert "Chọn tệp .csv hoặc .xlsx." in forced.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 1


def test_templates_and_export_download(client, factories):
    admin_client(client, factories)
    template = client.get("/admin/organisations/template.xlsx")
    assert template.status_code == 200
    headings = [c.value for c in next(load_workbook(io.BytesIO(template.data)).active.iter_rows(max_row=1))]
    assert headings[:3] == ["Mã", "Tên", "Tên ngắn"]
    people = client.get("/admin/users/template.csv").get_data(as_text=True)
    assert people.startswith("\ufeffEmail,Họ và tên,Vai trò,Mã tổ chức")
    export = client.get("/admin/organisations/export.csv").get_data(as_text=True)
    assert export.splitlines()[0] == "\ufeffcode,name,short_name,kind,parent_code,emails,active"
    assert "QT,Quản trị" in export

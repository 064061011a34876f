"""Directory import fixtures: the reminders' real SMTP server, files written to a temporary folder."""

from __future__ import annotations

import re

import pytest

from tests.reminders.conftest import smtp  # noqa: F401  (a real aiosmtpd server on 127.0.0.1)

ORGS_CSV = """code,name,short_name,kind,parent_code,emails
HU,Huyện ủy Long Mỹ,Huyện ủy,committee,,
VP,Văn phòng Huyện ủy,Văn phòng,advisory,HU,vanphong@longmy.example
BTG,Ban Tuyên giáo Huyện ủy,Ban Tuyên giáo,advisory,HU,btg@longmy.example; tuyengiao@longmy.example
LĐLĐ,Liên đoàn Lao động huyện,Liên đoàn Lao động,mass_org,HU,
X.TANBINH,Đảng ủy xã Tân Bình,xã Tân Bình,commune,HU,
"""

PEOPLE_CSV = """email,name,role,org_code,title
quantri@longmy.example,Lê Văn Quản,admin,VP,Quản trị
chanhvp@longmy.example,Trần Văn Chánh,office_chief,VP,Chánh Văn phòng
canbo.btg@longmy.example,Nguyễn Thị Cán,agency_officer,BTG,
"""

LINK_RE = re.compile(r"https?://\S+/password/set/([A-Za-z0-9_\-]+)")


def link_token(message) -> str:
    match = LINK_RE.search(message.text)
    assert match, message.text
    return match.group(1)


@pytest.fixture
def write(tmp_path):
    """Write text (UTF-8) or bytes to a file in a temporary folder and return its path."""

    def _write(name: str, content: str | bytes):
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write

"""Plain data for the demo district: Huyện ủy Phụng Hiệp (Đảng bộ tỉnh Hậu Giang).

Used by ``flask seed-demo`` and by the tests.  Nothing here touches Flask or the
database; it is lists of dicts, tuples and dates.

- :data:`ORGANISATIONS` – committee bodies, the 13 agencies that report at the
  quarterly working session (domain.md §1.3, in the fixture order and with the
  report headings of section II.3), the district government and the 15 đảng bộ
  xã, thị trấn (§1.4; the 15th, thị trấn Cây Dương, is outside knowledge).
- :data:`DEMO_USERS` – one login per role, fictitious people, password
  :data:`DEMO_PASSWORD`.
- :data:`DEMO_CONCLUSION_EXPECTED` – what a correct import of
  ``data/q1_2024_conclusion.txt`` (Thông báo kết luận 198-TB/HU after the
  Q1/2024 working session of 14/3/2024) must yield: 9 tasks, 11 content items
  (domain.md §3.2, AS-01, AS-09).

Person names are invented (the seeds' real names are deliberately not used);
agency and place names are real.  E-mail addresses live under the reserved
``phunghiep.example`` domain and are not deliverable.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "DEMO_CONCLUSION_EXPECTED",
    "DEMO_CONCLUSION_TEXT_FILE",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "EMAIL_DOMAIN",
    "ORGANISATIONS",
    "demo_conclusion_docx",
    "demo_conclusion_text",
    "organisation",
]

EMAIL_DOMAIN = "phunghiep.example"
DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_CONCLUSION_TEXT_FILE = DATA_DIR / "q1_2024_conclusion.txt"


def _mail(local: str) -> tuple[str, ...]:
    return (f"{local}@{EMAIL_DOMAIN}",)


def _org(
    code: str,
    name: str,
    short_name: str,
    kind: str,
    parent_code: str | None,
    order: int,
    report_heading: str | None,
    aliases: tuple[str, ...],
    emails: tuple[str, ...],
) -> dict:
    return {
        "code": code,
        "name": name,
        "short_name": short_name,
        "kind": kind,
        "parent_code": parent_code,
        "order": order,
        "report_heading": report_heading,
        "aliases": aliases,
        "emails": emails,
    }


# --- Committee bodies (cấp ủy) ------------------------------------------------------------------
_COMMITTEE = [
    _org(
        "HU",
        "Ban Chấp hành Đảng bộ huyện",
        "Huyện ủy",
        "committee",
        None,
        91,
        None,
        ("Huyện ủy", "Huyện ủy Phụng Hiệp", "Ban Chấp hành Đảng bộ huyện Phụng Hiệp", "BCH Đảng bộ huyện"),
        _mail("huyenuy"),
    ),
    _org(
        "BTV",
        "Ban Thường vụ Huyện ủy",
        "Ban Thường vụ",
        "committee",
        "HU",
        92,
        None,
        ("BTV Huyện ủy", "Ban Thường vụ HU", "Ban Thường vụ Huyện ủy Phụng Hiệp"),
        _mail("banthuongvu"),
    ),
    _org(
        "TTHU",
        "Thường trực Huyện ủy",
        "Thường trực",
        "committee",
        "BTV",
        93,
        None,
        ("Thường trực HU", "TTHU", "Thường trực Huyện ủy Phụng Hiệp"),
        _mail("thuongtruc"),
    ),
]

# --- The 13 agencies of the quarterly working session, fixture order (domain.md §1.3) -----------
_AGENCIES = [
    _org(
        "BTG",
        "Ban Tuyên giáo Huyện ủy",
        "Ban Tuyên giáo",
        "advisory",
        "HU",
        1,
        "Công tác Tuyên giáo",
        ("Ban Tuyên giáo", "BTG Huyện ủy", "BTG", "Ban Tuyên giáo HU"),
        _mail("btg"),
    ),
    _org(
        "BTC",
        "Ban Tổ chức Huyện ủy",
        "Ban Tổ chức",
        "advisory",
        "HU",
        2,
        "Công tác Tổ chức, cán bộ",
        ("Ban Tổ chức", "BTC Huyện ủy", "BTCHU", "BTC", "Ban Tổ chức HU"),
        _mail("btc"),
    ),
    _org(
        "UBKT",
        "Ủy ban Kiểm tra Huyện ủy",
        "Ủy ban Kiểm tra",
        "advisory",
        "HU",
        3,
        "Công tác Kiểm tra, giám sát, thi hành kỷ luật Đảng",
        ("Ủy ban Kiểm tra", "UBKT Huyện ủy", "UBKTHU", "UBKT", "Ủy ban Kiểm tra HU"),
        _mail("ubkt"),
    ),
    _org(
        "BDV",
        "Ban Dân vận Huyện ủy",
        "Ban Dân vận",
        "advisory",
        "HU",
        4,
        "Công tác Dân vận",
        ("Ban Dân vận", "BDV Huyện ủy", "BDV", "Ban Dân vận HU"),
        _mail("bdv"),
    ),
    _org(
        "TTCT",
        "Trung tâm Chính trị huyện",
        "Trung tâm Chính trị",
        "training_centre",
        "HU",
        5,
        "Công tác Đào tạo, bồi dưỡng cán bộ",
        ("Trung tâm Chính trị", "TTCT huyện", "TTCT", "Trung tâm Bồi dưỡng chính trị huyện"),
        _mail("ttct"),
    ),
    _org(
        "VP",
        "Văn phòng Huyện ủy",
        "Văn phòng",
        "advisory",
        "HU",
        6,
        "Công tác Văn phòng",
        ("VPHU", "Văn phòng HU", "Văn phòng Huyện ủy Phụng Hiệp"),
        _mail("vanphong"),
    ),
    _org(
        "MTTQ",
        "Ủy ban Mặt trận Tổ quốc Việt Nam huyện",
        "Mặt trận Tổ quốc",
        "front",
        None,
        7,
        "Ủy ban Mặt trận Tổ quốc Việt Nam huyện",
        (
            "Ủy ban MTTQ Việt Nam huyện",
            "Ủy ban MTTQVN huyện",
            "Ủy ban MTTQ huyện",
            "UBMTTQ Việt Nam huyện",
            "UBMTTQVN huyện",
            "UBMTTQ huyện",
            "UBMTTQ",
            "Ban Thường trực Ủy ban MTTQ Việt Nam huyện",
            "Mặt trận Tổ quốc Việt Nam huyện",
            "Mặt trận Tổ quốc huyện",
            "Mặt trận Tổ quốc",
            "MTTQ huyện",
            "MTTQ",
        ),
        _mail("mttq"),
    ),
    _org(
        "LĐLĐ",
        "Liên đoàn Lao động huyện",
        "Liên đoàn Lao động",
        "mass_org",
        None,
        8,
        "Liên đoàn Lao động huyện",
        ("Liên đoàn Lao động", "LĐLĐ huyện", "LĐLĐ"),
        _mail("ldld"),
    ),
    _org(
        "CCB",
        "Hội Cựu chiến binh huyện",
        "Hội Cựu chiến binh",
        "mass_org",
        None,
        9,
        "Hội Cựu Chiến binh huyện",
        ("Hội Cựu chiến binh", "Hội CCB huyện", "Hội CCB", "Ban Chấp hành Hội Cựu chiến binh huyện"),
        _mail("ccb"),
    ),
    _org(
        "HND",
        "Hội Nông dân huyện",
        "Hội Nông dân",
        "mass_org",
        None,
        10,
        "Hội Nông dân huyện",
        ("Hội Nông dân", "Hội ND huyện", "HND huyện", "HND"),
        _mail("hnd"),
    ),
    _org(
        "HLHPN",
        "Hội Liên hiệp Phụ nữ huyện",
        "Hội Phụ nữ",
        "mass_org",
        None,
        11,
        "Hội Liên hiệp Phụ nữ huyện",
        (
            "Hội Liên hiệp Phụ nữ",
            "Hội LHPN huyện",
            "Hội LHPN",
            "Hội Phụ nữ huyện",
            "Hội Phụ nữ",
            "HLHPN huyện",
            "HLHPN",
        ),
        _mail("hoiphunu"),
    ),
    _org(
        "HĐ",
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh huyện",
        "Huyện đoàn",
        "mass_org",
        None,
        12,
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh huyện",
        (
            "Huyện đoàn",
            "Ban Thường vụ Huyện đoàn",
            "BTV Huyện đoàn",
            "Ban Chấp hành Huyện đoàn",
            "Đoàn Thanh niên Cộng sản Hồ Chí Minh",
            "Đoàn TNCS Hồ Chí Minh huyện",
            "Đoàn TNCS Hồ Chí Minh",
            "Đoàn Thanh niên huyện",
            "Đoàn Thanh niên",
        ),
        _mail("huyendoan"),
    ),
    _org(
        "CTĐ",
        "Hội Chữ thập đỏ huyện",
        "Hội Chữ thập đỏ",
        "association",  # not one of the 05 đoàn thể chính trị - xã hội (domain.md §1.3)
        None,
        13,
        "Hội Chữ thập đỏ huyện",
        ("Hội Chữ thập đỏ", "Hội Chữ thập", "Hội CTĐ huyện", "Hội CTĐ"),
        _mail("chuthapdo"),
    ),
]

# --- District government (chính quyền) ----------------------------------------------------------
_GOVERNMENT = [
    _org(
        "HĐND",
        "Hội đồng nhân dân huyện",
        "HĐND huyện",
        "government",
        None,
        21,
        None,
        ("HĐND huyện", "Thường trực HĐND huyện", "Hội đồng nhân dân huyện Phụng Hiệp"),
        _mail("hdnd"),
    ),
    _org(
        "UBND",
        "Ủy ban nhân dân huyện",
        "UBND huyện",
        "government",
        None,
        22,
        None,
        ("UBND huyện", "Ủy ban nhân dân huyện Phụng Hiệp", "UBND huyện Phụng Hiệp"),
        _mail("ubnd"),
    ),
]

# --- The 15 đảng bộ xã, thị trấn (domain.md §1.4) -------------------------------------------------
# (code, unit "xã"/"thị trấn", place name, e-mail local part, use the bare place name as an alias)
_COMMUNE_ROWS = [
    ("TT.KINHCUNG", "thị trấn", "Kinh Cùng", "kinhcung", True),
    ("TT.BUNGTAU", "thị trấn", "Búng Tàu", "bungtau", True),
    ("TT.CAYDUONG", "thị trấn", "Cây Dương", "cayduong", True),
    ("X.TANBINH", "xã", "Tân Bình", "tanbinh", True),
    ("X.HOAAN", "xã", "Hòa An", "hoaan", True),
    ("X.PHUONGBINH", "xã", "Phương Bình", "phuongbinh", True),
    # "Phụng Hiệp" alone is the district's name, so only the qualified forms are aliases.
    ("X.PHUNGHIEP", "xã", "Phụng Hiệp", "xaphunghiep", False),
    ("X.HOAMY", "xã", "Hòa Mỹ", "hoamy", True),
    ("X.TANPHUOCHUNG", "xã", "Tân Phước Hưng", "tanphuochung", True),
    ("X.BINHTHANH", "xã", "Bình Thành", "binhthanh", True),
    ("X.THANHHOA", "xã", "Thạnh Hòa", "thanhhoa", True),
    ("X.LONGTHANH", "xã", "Long Thạnh", "longthanh", True),
    ("X.PHUONGPHU", "xã", "Phương Phú", "phuongphu", True),
    ("X.HIEPHUNG", "xã", "Hiệp Hưng", "hiephung", True),
    ("X.TANLONG", "xã", "Tân Long", "tanlong", True),
]


def _commune(index: int, code: str, unit: str, place: str, mail: str, bare_alias: bool) -> dict:
    unit_title = unit.capitalize()
    aliases = [
        f"Đảng bộ {unit} {place}",
        f"Ban Thường vụ Đảng ủy {unit} {place}",
        f"{unit} {place}",
        f"Ủy ban nhân dân {unit} {place}",
        f"UBND {unit} {place}",
    ]
    if unit == "thị trấn":
        aliases.append(f"TT {place}")
        aliases.append(f"TT. {place}")
    if bare_alias:
        aliases.append(place)
    return _org(
        code,
        f"Đảng ủy {unit} {place}",
        f"{unit_title} {place}",
        "commune",
        "HU",
        30 + index,
        None,
        tuple(aliases),
        _mail(mail),
    )


_COMMUNES = [_commune(i, *row) for i, row in enumerate(_COMMUNE_ROWS, start=1)]

#: Every demo organisation: committee bodies, the 13 agencies (fixture order), government, communes.
ORGANISATIONS: list[dict] = [*_COMMITTEE, *_AGENCIES, *_GOVERNMENT, *_COMMUNES]


def organisation(code: str) -> dict:
    """The catalog row for *code* (KeyError if unknown)."""
    for row in ORGANISATIONS:
        if row["code"] == code:
            return row
    raise KeyError(code)


# --- Demo logins --------------------------------------------------------------------------------
#: The one password of every demo account (documented in the README; change it outside a demo).
DEMO_PASSWORD = "demo-Phunghiep-2024"

DEMO_USERS: list[dict] = [
    {
        "email": f"quantri@{EMAIL_DOMAIN}",
        "name": "Lâm Quốc Bảo",
        "role": "admin",
        "org_code": "VP",
        "title": "Chuyên viên công nghệ thông tin, quản trị hệ thống",
    },
    {
        "email": f"khoa.dm@{EMAIL_DOMAIN}",
        "name": "Đặng Minh Khoa",
        "role": "committee",
        "org_code": "TTHU",
        "title": "Phó Bí thư Thường trực Huyện ủy",
    },
    {
        "email": f"ha.ntt@{EMAIL_DOMAIN}",
        "name": "Nguyễn Thị Thu Hà",
        "role": "office",
        "org_code": "VP",
        "title": "Chuyên viên Văn phòng Huyện ủy",
    },
    {
        "email": f"phong.tt@{EMAIL_DOMAIN}",
        "name": "Trần Thanh Phong",
        "role": "office_chief",
        "org_code": "VP",
        "title": "Chánh Văn phòng Huyện ủy",
    },
    {
        "email": f"nam.lh@{EMAIL_DOMAIN}",
        "name": "Lê Hoàng Nam",
        "role": "agency_head",
        "org_code": "BTG",
        "title": "Trưởng Ban Tuyên giáo Huyện ủy",
    },
    {
        "email": f"tram.pn@{EMAIL_DOMAIN}",
        "name": "Phạm Ngọc Trâm",
        "role": "agency_officer",
        "org_code": "BTG",
        "title": "Chuyên viên Ban Tuyên giáo Huyện ủy",
    },
    {
        "email": f"tai.hv@{EMAIL_DOMAIN}",
        "name": "Huỳnh Văn Tài",
        "role": "agency_officer",
        "org_code": "MTTQ",
        "title": "Chuyên viên Ủy ban Mặt trận Tổ quốc Việt Nam huyện",
    },
    {
        "email": f"ngan.dtk@{EMAIL_DOMAIN}",
        "name": "Đỗ Thị Kim Ngân",
        "role": "agency_officer",
        "org_code": "X.TANBINH",
        "title": "Cán bộ Văn phòng Đảng ủy xã Tân Bình",
    },
]


# --- The Q1/2024 conclusion notice and what importing it must give -------------------------------
_Q2_END = date(2024, 6, 30)
_IN_Q2 = "trong quý II/2024"


def _item(text: str, lead: str, coordinators: list[str], phrase: str = _IN_Q2) -> dict:
    return {
        "text": text,
        "lead_code": lead,
        "coordinator_codes": coordinators,
        "due_phrase": phrase,
        "due_date": _Q2_END,
    }


def _task(
    ordinal: int, lead: str, coordinators: list[str], items: list[dict], *, all_communes: bool = False
) -> dict:
    return {
        "ordinal": ordinal,
        "lead_code": lead,
        "coordinator_codes": coordinators,
        "due_phrase": _IN_Q2,
        "due_date": _Q2_END,
        "all_communes": all_communes,
        "items": items,
    }


def _single(ordinal: int, lead: str, coordinators: list[str], text: str, **kw) -> dict:
    return _task(ordinal, lead, coordinators, [_item(text, lead, coordinators)], **kw)


_T1 = (
    "Ban Tuyên giáo Huyện ủy chủ trì, phối hợp với Trung tâm Chính trị huyện tham mưu Ban Thường vụ Huyện ủy "
    "tổ chức học tập, quán triệt Đề án số 09-ĐA/TU ngày 05/01/2024 của Ban Thường vụ Tỉnh ủy về “Quy định tạm "
    "thời vị trí việc làm các cơ quan, đơn vị sự nghiệp của Đảng, Mặt trận Tổ quốc và các tổ chức chính trị - "
    "xã hội tỉnh Hậu Giang” cho cán bộ, đảng viên trong Đảng bộ huyện, phấn đấu đạt tỷ lệ trên 98%, hoàn thành "
    "trong quý II/2024"
)
_T2_ITEMS = (
    "Tham mưu ban hành Quyết định thành lập các Tiểu ban Đại hội đại biểu Đảng bộ huyện lần thứ XIII, nhiệm kỳ "
    "2025 - 2030 theo quy định",
    "Rà soát, bổ sung quy hoạch cấp ủy, chức danh cán bộ lãnh đạo, quản lý cấp huyện nhiệm kỳ 2025 - 2030, "
    "trình Ban Thường vụ Tỉnh ủy phê duyệt; chuẩn bị phương án nhân sự Ban Chấp hành Đảng bộ huyện nhiệm kỳ "
    "2025 - 2030",
)
_T3 = (
    "Ủy ban Kiểm tra Huyện uỷ chủ trì tham mưu tổ chức thực hiện Chương trình kiểm tra, giám sát năm 2024 của "
    "Ban Thường vụ Huyện ủy và Ủy ban Kiểm tra Huyện ủy; chuẩn bị chu đáo nội dung làm việc với Đoàn giám sát "
    "3615 và Đoàn kiểm tra 165 của Tỉnh ủy; hoàn thành xác minh tài sản, thu nhập đối với các đồng chí thuộc "
    "diện Ban Thường vụ Huyện ủy quản lý trong quý II/2024"
)
_T4 = (
    "Giao Ban Dân vận Huyện ủy chủ trì, phối hợp với UBND huyện tham mưu Ban Thường vụ Huyện ủy ban hành Kế "
    "hoạch tiếp tục duy trì mô hình lấy ý kiến của người dân tại bộ phận tiếp nhận và trả kết quả trên địa bàn "
    "huyện năm 2024; tổ chức tiếp xúc, đối thoại trực tiếp giữa người đứng đầu cấp ủy, chính quyền huyện với "
    "Nhân dân xã Phương Bình và thị trấn Kinh Cùng trong quý II/2024"
)
_T5 = (
    "Trung tâm Chính trị huyện chủ trì, phối hợp với Ban Tuyên giáo và các xã, thị trấn mở các lớp bồi dưỡng "
    "nhận thức về Đảng, bồi dưỡng lý luận chính trị cho đảng viên mới và các lớp chuyên đề; thông báo chiêu "
    "sinh lớp Sơ cấp Lý luận chính trị khóa I/2024 theo kế hoạch được phê duyệt, hoàn thành trong quý II/2024"
)
_T6 = (
    "Văn phòng Huyện ủy chủ trì, phối hợp với các cơ quan tham mưu, giúp việc Huyện ủy chuẩn bị chu đáo nội "
    "dung, phục vụ Đoàn công tác của Thường trực Tỉnh ủy làm việc với Ban Thường vụ Huyện ủy định kỳ 6 tháng "
    "đầu năm 2024 và Hội nghị lần thứ 20 Ban Chấp hành Đảng bộ huyện, hoàn thành trong quý II/2024"
)
_T7 = (
    "Ủy ban MTTQ Việt Nam huyện chủ trì, phối hợp với Liên đoàn Lao động huyện, Hội Cựu chiến binh, Hội Nông "
    "dân, Hội LHPN huyện, Huyện đoàn và Hội Chữ thập đỏ huyện tổ chức thành công Đại hội đại biểu Mặt trận Tổ "
    "quốc Việt Nam huyện lần thứ XII, nhiệm kỳ 2024 - 2029 (điểm của Tỉnh); vận động Quỹ “Vì người nghèo” và "
    "Chương trình “An sinh phúc lợi xã hội” đạt trên 70% kế hoạch năm 2024, hoàn thành trong quý II/2024"
)
_T8 = (
    "Ban Thường vụ Huyện đoàn chủ trì, phối hợp với Ban Dân vận Huyện ủy và Đảng ủy xã Hoà An tổ chức Lễ ra "
    "quân Chiến dịch Thanh niên tình nguyện hè năm 2024; hoàn thành Văn kiện và Đề án nhân sự Đại hội đại biểu "
    "Hội Liên hiệp Thanh niên Việt Nam huyện lần thứ VII, nhiệm kỳ 2024 - 2029 trong quý II/2024"
)
#: The content item that stays unfinished in AS-01 / AS-09 (text exactly as in 003:L25).
TAN_BINH_ITEM_TEXT = (
    "Xây dựng hoàn thành 19 tiêu chí xã Nông thôn mới Tân Bình, để sớm được công nhận trong tháng 6/2024"
)
_T9_ITEM_2 = (
    "Vận động Nhân dân hiến đất, đóng góp ngày công làm lộ giao thông nông thôn, chỉnh trang nhà ở, hàng rào, "
    "cổng ngõ; đẩy mạnh xã hội hoá xây dựng cầu giao thông nông thôn trên địa bàn xã"
)

#: What importing data/q1_2024_conclusion.txt must give (texts are NFC, spelled as in the notice,
#: without the final full stop).  Dates are ``datetime.date``.
DEMO_CONCLUSION_EXPECTED: dict = {
    "symbol": "198-TB/HU",
    "issued_on": date(2024, 3, 18),
    "meeting_on": date(2024, 3, 14),
    "period_label": "quý I/2024",
    "title": (
        "Kết luận của Thường trực Huyện ủy tại buổi làm việc định kỳ quý I/2024 với các cơ quan tham mưu, "
        "giúp việc Huyện ủy; Trung tâm Chính trị huyện; Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện"
    ),
    "task_count": 9,
    "item_count": 11,
    "tasks": [
        _single(1, "BTG", ["TTCT"], _T1),
        _task(2, "BTC", ["VP"], [_item(text, "BTC", ["VP"]) for text in _T2_ITEMS]),
        _single(3, "UBKT", [], _T3),
        _single(4, "BDV", ["UBND"], _T4),
        _single(5, "TTCT", ["BTG"], _T5, all_communes=True),
        _single(6, "VP", ["BTG", "BTC", "UBKT", "BDV"], _T6),
        _single(7, "MTTQ", ["LĐLĐ", "CCB", "HND", "HLHPN", "HĐ", "CTĐ"], _T7),
        _single(8, "HĐ", ["BDV", "X.HOAAN"], _T8),
        _task(
            9,
            "X.TANBINH",
            ["UBND", "HND"],
            [
                _item(TAN_BINH_ITEM_TEXT, "X.TANBINH", ["UBND", "HND"], "trong tháng 6/2024"),
                _item(_T9_ITEM_2, "X.TANBINH", ["UBND", "HND"]),
            ],
        ),
    ],
}


def demo_conclusion_text() -> str:
    """The demo notice as stored (UTF-8; deliberately contains a few NFD characters)."""
    return DEMO_CONCLUSION_TEXT_FILE.read_text(encoding="utf-8")


def demo_conclusion_docx(*, auto_numbering: bool = False) -> bytes:
    """Build the demo notice as a Word file with python-docx (generated on demand, not stored in git).

    With ``auto_numbering=True`` the numbered tasks and "- " items become Word list paragraphs
    ("List Number" / "List Bullet" styles) whose numbers are not part of the text, as in a
    notice typed in Word with automatic numbering.
    """
    import io
    import re

    import docx  # python-docx: a runtime dependency, imported lazily to keep this module plain data

    document = docx.Document()
    in_body = True
    for line in demo_conclusion_text().splitlines():
        in_body = in_body and not line.startswith("Nơi nhận")
        number = re.match(r"^\d+\.\s+", line)
        if auto_numbering and in_body and number:
            document.add_paragraph(line[number.end() :], style="List Number")
        elif auto_numbering and in_body and line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        else:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

"""Demo inputs for the quarterly report of quý II/2024 (called by ``seed_demo_district``).

- every one of the 13 agencies' period input for (2024, quarter 2): results (section II.3, shortened
  from 003:L57–L116, one footnote kept as in 003 fn10), next tasks (IV.2, from 003:L146–L162) and no
  proposal, so section V reads "Không." (AS-07);
- the indicator sets of the Front and the mass organisations, so that the tally lines of AS-03 come
  out of the data: UB MTTQ 51 (04 met, 40 above 75%, 03 above 50%, 04 at year end), LĐLĐ 22 (12 met,
  4 at 63/71/88/96%, 06 at year end), Hội Chữ thập đỏ 20 (16 met, "hiến máu" at 31%, 03 at year
  end), Hội Nông dân 13, Hội Cựu chiến binh 13, Hội LHPN 50 and the Huyện đoàn's 16 criteria;
  values dated 15/6/2024, before the Q2 session of 20/6/2024.

Idempotent: an agency that already has an input for the period, or indicators for 2024, is skipped.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.core.clock import now_utc
from app.extensions import db
from app.models import AgencyPeriodInput, Indicator, IndicatorValue, Organisation

YEAR, KIND, INDEX = 2024, "quarter", 2
VALUES_AS_OF = date(2024, 6, 15)

RESULTS = {
    "BTG": (
        "Ban Tuyên giáo Huyện ủy chủ động phối hợp tham mưu Ban Thường vụ Huyện ủy tổ chức triển khai, học tập các "
        "chỉ thị, nghị quyết của Đảng đảm bảo theo thời gian quy định, nhất là Đề án số 09-ĐA/TU ngày 05/01/2024 "
        "của Ban Thường vụ Tỉnh ủy cho cán bộ, đảng viên, đạt tỷ lệ trên 98%. Tham mưu định hướng và tổ chức tuyên "
        "truyền ngày lễ, kỷ niệm, các sự kiện chính trị quan trọng của đất nước và địa phương được 968 cuộc, có "
        "16.511 lượt người dự."
    ),
    "BTC": (
        "Tham mưu Ban Thường vụ Huyện ủy ban hành Quyết định về giao biên chế năm 2024 cho các cơ quan tham mưu, "
        "giúp việc Huyện ủy, Trung tâm Chính trị huyện, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội huyện. "
        "Hoàn thành đánh giá, xếp loại chất lượng tổ chức cơ sở đảng và đảng viên năm 2023 đảm bảo đúng theo quy "
        "định. Tổ chức chu đáo Lễ trao Huy hiệu Đảng cho 40 đồng chí."
    ),
    "UBKT": (
        "Tham mưu tổ chức thực hiện Chương trình kiểm tra, giám sát năm 2024 của Ban Thường vụ Huyện ủy và Ủy ban "
        "Kiểm tra Huyện ủy đúng theo quy định. Thi hành kỷ luật 08 đồng chí[^Ban Thường vụ Huyện ủy thi hành kỷ luật "
        "02 đồng chí vi phạm pháp luật, với hình thức: Khai trừ ra khỏi Đảng; chi bộ trực thuộc Huyện ủy thi hành kỷ "
        "luật 01 đồng chí; chi bộ trực thuộc Đảng ủy cơ sở thi hành kỷ luật 03 đồng chí; Ủy ban Kiểm tra Đảng ủy cơ "
        "sở thi hành kỷ luật 02 đồng chí, với hình thức: Khiển trách.]. Nhận 09 đơn tố cáo đảng viên, đã giải quyết "
        "theo quy định."
    ),
    "BDV": (
        "Tham mưu Ban Thường vụ Huyện ủy ban hành Kế hoạch số 175-KH/HU ngày 29/3/2024 về “Tiếp tục duy trì mô hình "
        "lấy ý kiến của người dân tại bộ phận tiếp nhận và trả kết quả trên địa bàn huyện Phụng Hiệp năm 2024”. "
        "Phối hợp tổ chức tiếp xúc, đối thoại trực tiếp của người đứng đầu cấp ủy đảng, chính quyền huyện với Nhân "
        "dân xã Phương Bình và thị trấn Kinh Cùng."
    ),
    "TTCT": (
        "Trung tâm Chính trị huyện phối hợp với các cơ quan, ban ngành huyện và xã, thị trấn mở được 34 lớp, có "
        "3.039 học viên tham dự, đạt 65,38% chỉ tiêu; phối hợp thông báo chiêu sinh học viên lớp Sơ cấp Lý luận "
        "chính trị khóa I/2024 theo kế hoạch được phê duyệt."
    ),
    "VP": (
        "Tham mưu Ban Thường vụ Huyện ủy, Ban Chấp hành Đảng bộ huyện soạn thảo, thẩm định ban hành 402 văn bản, "
        "riêng Văn phòng Huyện ủy ban hành 85 văn bản các loại. Phục vụ chu đáo Đoàn công tác của Thường trực Tỉnh "
        "ủy làm việc với Ban Thường vụ Huyện ủy định kỳ 6 tháng đầu năm 2024."
    ),
    "MTTQ": (
        "Mặt trận Tổ quốc huyện và các xã, thị trấn thực hiện 20 cuộc giám sát (01 cuộc cấp huyện, 19 cuộc cấp xã, "
        "thị trấn); tổ chức 24 cuộc phản biện xã hội (03 cuộc cấp huyện và 21 cuộc cấp xã, thị trấn), đạt 150% kế "
        "hoạch. Vận động Quỹ “Vì người nghèo” được 23,2 tỷ đồng, đạt 77,3% kế hoạch giao."
    ),
    "LĐLĐ": (
        "Hướng dẫn, chỉ đạo 100% công đoàn cơ sở trực thuộc tổ chức Hội nghị cán bộ, công chức, viên chức, người "
        "lao động năm 2024; vận động được gần 4.000 phần quà trao tặng cho đoàn viên có hoàn cảnh khó khăn, với trị "
        "giá trên 1,5 tỷ đồng. Thành lập mới 01 Nghiệp đoàn, 02 Công đoàn cơ sở ngoài Nhà nước và kết nạp 72 đoàn "
        "viên mới."
    ),
    "CCB": (
        "Vận động 1.562 Cựu quân nhân có mặt tại địa phương tham gia sinh hoạt câu lạc bộ, chiếm tỷ lệ 79,04%. Phát "
        "động hội viên góp quỹ hùn vốn nội bộ được 6,89 tỷ đồng, cho 1.945 hội viên vay, mượn xoay vòng để phát "
        "triển kinh tế."
    ),
    "HND": (
        "Chỉ đạo, phối hợp kết nạp mới 1.523 hội viên, đạt 123,82% kế hoạch, nâng đến nay toàn huyện có 33.856 hội "
        "viên nông dân. Vận động Quỹ hỗ trợ nông dân được trên 535 triệu đồng, đạt 119,04% chỉ tiêu."
    ),
    "HLHPN": (
        "Hưởng ứng Chương trình “Mẹ đỡ đầu”, các cấp Hội Phụ nữ trong huyện đã nhận đỡ đầu cho 71 trẻ; vận động "
        "1.259 phần quà trao tặng cho hội viên phụ nữ, trẻ em có hoàn cảnh khó khăn, trị giá 375,2 triệu đồng."
    ),
    "HĐ": (
        "Các cấp bộ Đoàn trong huyện phối hợp thực hiện 95 công trình, 183 phần việc thanh niên, với sự tham gia của "
        "2.895 lượt cán bộ, đoàn viên, thanh niên, tổng trị giá trên 2,5 tỷ đồng."
    ),
    "CTĐ": (
        "Phối hợp tổ chức tốt Lễ phát động Tháng nhân đạo năm 2024 (điểm của Tỉnh), đã vận động xã hội hóa tặng 04 "
        "cầu giao thông, 03 căn nhà, 1.000 phần quà, trị giá 2,15 tỷ đồng. Tính đến nay đã phối hợp vận động hiến "
        "máu nhân đạo tình nguyện và tiếp nhận được 965 đơn vị máu, đạt tỷ lệ 31% chỉ tiêu."
    ),
}

NEXT_TASKS = {
    "BTG": "Ban Tuyên giáo Huyện ủy tăng cường tham mưu giáo dục chính trị, tư tưởng trong cán bộ, đảng viên và Nhân dân.",
    "BTC": "Ban Tổ chức Huyện ủy tổ chức chu đáo Lễ trao tặng Huy hiệu Đảng và kết nạp đảng viên mới (đợt 02/9).",
    "UBKT": "Ủy ban Kiểm tra Huyện ủy tiếp tục thực hiện hiệu quả Chương trình kiểm tra, giám sát năm 2024.",
    "BDV": "Ban Dân vận Huyện ủy phối hợp tổ chức tiếp xúc, đối thoại của người đứng đầu cấp ủy với Nhân dân.",
    "TTCT": "Trung tâm Chính trị huyện tiếp tục phối hợp mở các lớp bồi dưỡng theo kế hoạch đã được phê duyệt.",
    "VP": "Văn phòng tiếp tục phối hợp tham mưu, phục vụ Thường trực và Ban Thường vụ Huyện ủy.",
    "MTTQ": "Ủy ban Mặt trận Tổ quốc Việt Nam huyện vận động Quỹ “Vì người nghèo” năm 2024 theo kế hoạch được giao.",
    "LĐLĐ": "Liên đoàn Lao động huyện phát động thi đua chào mừng 95 năm Ngày thành lập Công đoàn Việt Nam (28/7).",
    "CCB": "Hội Cựu chiến binh huyện phối hợp tổ chức bàn giao nhà “Nghĩa tình Cựu chiến binh”.",
    "HND": "Hội Nông dân huyện tiếp tục phát động phong trào thi đua “Nông dân sản xuất - Kinh doanh giỏi”.",
    "HLHPN": "Hội Liên hiệp Phụ nữ huyện phối hợp tổ chức tốt Ngày Phụ nữ Việt Nam (20/10).",
    "HĐ": "Huyện đoàn tổ chức tốt các hoạt động kỷ niệm Ngày Thương binh - Liệt sĩ (27/7).",
    "CTĐ": "Hội Chữ thập đỏ huyện phấn đấu thực hiện tốt chỉ tiêu vận động hiến máu nhân đạo năm 2024.",
}

#: Indicator sets: (declared total, list of (phrase, unit, target, actual or None for year-end)).
_MET, _YEAR_END = "met", "year_end"


def _series(prefix: str, percents: list, *, start: int = 1) -> list[tuple]:
    """Indicators named "{prefix} số NN" with target 100 and the given achievement (None = year end)."""
    return [(f"{prefix} số {n:02d}", "điểm", 100, p) for n, p in enumerate(percents, start=start)]


def _indicator_sets() -> dict[str, list[tuple]]:
    criteria = "Chỉ tiêu thi đua"
    return {
        "MTTQ": _series(criteria, [100] * 4 + [80 + (i % 15) for i in range(40)] + [60, 65, 70] + [None] * 4),
        "LĐLĐ": _series(criteria, [100] * 12 + [63, 71, 88, 96] + [None] * 6),
        "CTĐ": _series(criteria, [100] * 16) + [("Hiến máu", "đơn vị máu", 3113, 965)]
        + _series(criteria, [None] * 3, start=17),
        "HND": _series(criteria, [100] * 11 + [None] * 2),
        "CCB": _series(criteria, [100] * 6 + [80, 82, 85, 88, 90, 92, 95]),
        "HLHPN": _series(criteria, [100] * 36 + [55 + i for i in range(9)] + [None] * 5),
        "HĐ": _series("Tiêu chí thi đua", [100] * 16),
    }


def seed_report_inputs() -> None:
    """Load the Q2/2024 agency inputs and agency indicator sets that are missing (flush only)."""
    orgs = {o.code: o for o in db.session.scalars(sa.select(Organisation).where(Organisation.code.in_(list(RESULTS))))}
    sets = _indicator_sets()
    for code, org in orgs.items():
        _seed_input(org, code, declared=len(sets[code]) if code in sets else None)
        if code in sets:
            _seed_indicators(org, sets[code])
    db.session.flush()


def _seed_input(org: Organisation, code: str, *, declared: int | None) -> None:
    exists = db.session.scalar(sa.select(AgencyPeriodInput.id).where(
        AgencyPeriodInput.organisation_id == org.id, AgencyPeriodInput.year == YEAR,
        AgencyPeriodInput.period_kind == KIND, AgencyPeriodInput.period_index == INDEX))
    if exists is not None:
        return
    db.session.add(AgencyPeriodInput(
        organisation_id=org.id, year=YEAR, period_kind=KIND, period_index=INDEX, results_text=RESULTS[code],
        next_tasks_text=NEXT_TASKS[code], proposals_text="", declared_indicator_total=declared,
    ))


def _seed_indicators(org: Organisation, rows: list[tuple]) -> None:
    exists = db.session.scalar(sa.select(Indicator.id).where(
        Indicator.organisation_id == org.id, Indicator.year == YEAR).limit(1))
    if exists is not None:
        return
    for order, (phrase, unit, target, actual) in enumerate(rows, start=1):
        indicator = Indicator(
            organisation_id=org.id, year=YEAR, code=f"{order:02d}", phrase=phrase, unit=unit,
            target=Decimal(target), is_year_end=actual is None, display_order=order,
            source="Tiêu chí thi đua do ngành dọc cấp trên giao năm 2024",
        )
        if actual is not None:
            indicator.values.append(IndicatorValue(as_of=VALUES_AS_OF, actual=Decimal(actual), created_at=now_utc()))
        db.session.add(indicator)

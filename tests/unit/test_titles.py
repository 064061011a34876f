"""Short proposed titles of imported tasks (issue 17): the action, without lead, coordinators, deadline."""

from __future__ import annotations

import pytest

from app.demo.catalog import ORGANISATIONS
from app.directives.agency_matching import agency_refs
from app.directives.proposal import propose_tasks

REFS = agency_refs(ORGANISATIONS)


@pytest.mark.parametrize(("paragraph", "title"), [
    ("Ban Tổ chức Huyện ủy chủ trì, phối hợp với Văn phòng Huyện ủy, Ủy ban Kiểm tra Huyện ủy tham mưu Ban "
     "Thường vụ Huyện ủy ban hành Quy định về phân cấp quản lý cán bộ, hoàn thành trước ngày 15/8/2024.",
     "Tham mưu Ban Thường vụ Huyện ủy ban hành Quy định về phân cấp quản lý cán bộ"),
    ("Ban Dân vận Huyện ủy chủ trì, phối hợp các đoàn thể chính trị - xã hội huyện tổ chức tuyên truyền trong "
     "quý III/2024.", "Tổ chức tuyên truyền"),
    ("Văn phòng Huyện ủy phối hợp với các cơ quan tham mưu, giúp việc Huyện ủy chuẩn bị nội dung làm việc với "
     "Đoàn công tác của Tỉnh ủy trong tháng 7/2024.", "Chuẩn bị nội dung làm việc với Đoàn công tác của Tỉnh ủy"),
    ("Đảng ủy xã Tân Bình chủ trì, phối hợp với Ủy ban nhân dân huyện và các cơ quan, đơn vị có liên quan xây "
     "dựng hoàn thành 19 tiêu chí xã Nông thôn mới trong quý II/2024.",
     "Xây dựng hoàn thành 19 tiêu chí xã Nông thôn mới"),
])
def test_title_is_the_action(paragraph, title):
    (task,) = propose_tasks(f"1. {paragraph}\n", REFS).tasks
    assert task.title == title
    assert task.text == paragraph.rstrip(".") or task.text == paragraph


def test_a_sentence_with_no_agency_keeps_its_words():
    (task,) = propose_tasks("1. Tiếp tục quán triệt Chỉ thị số 28-CT/TW của Ban Bí thư.\n", REFS).tasks
    assert task.title.startswith("Tiếp tục quán triệt Chỉ thị số 28-CT/TW")

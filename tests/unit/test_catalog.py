"""The demo district catalog (app/demo/catalog.py) against domain.md §1.3–1.4 and the fixtures."""

import json
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from app.core.text import search_key
from app.demo import catalog
from app.directives.agency_matching import agency_refs, build_matcher

FIXTURES = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "domain-fixtures.json").read_text("utf-8")
)
KINDS = {"committee", "advisory", "training_centre", "front", "mass_org", "association", "government", "commune"}
ROLES = {"admin", "committee", "office", "office_chief", "agency_head", "agency_officer"}
ORGS = {row["code"]: row for row in catalog.ORGANISATIONS}


def test_codes_are_unique_and_rows_complete():
    codes = [row["code"] for row in catalog.ORGANISATIONS]
    assert len(codes) == len(set(codes))
    keys = {
        "code",
        "name",
        "short_name",
        "kind",
        "parent_code",
        "order",
        "report_heading",
        "aliases",
        "emails",
    }
    for row in catalog.ORGANISATIONS:
        assert set(row) == keys, row["code"]
        assert row["kind"] in KINDS
        assert isinstance(row["aliases"], tuple) and isinstance(row["emails"], tuple)
        assert row["parent_code"] is None or row["parent_code"] in ORGS
        assert len(row["code"]) <= 32 and len(row["name"]) <= 200
        for text in (row["name"], row["short_name"], *row["aliases"]):
            assert unicodedata.is_normalized("NFC", text)


def test_the_13_agencies_in_fixture_order_with_fixture_headings():
    fixture = FIXTURES["agencies_phung_hiep"]
    agencies = sorted(
        (row for row in catalog.ORGANISATIONS if row["report_heading"] is not None), key=lambda r: r["order"]
    )
    assert [(r["order"], r["code"], r["name"], r["report_heading"]) for r in agencies] == [
        (f["order"], f["code"], f["name"], f["heading"]) for f in fixture
    ]
    kinds = {r["code"]: r["kind"] for r in agencies}
    assert [c for c, k in kinds.items() if k == "advisory"] == ["BTG", "BTC", "UBKT", "BDV", "VP"]
    assert kinds["TTCT"] == "training_centre" and kinds["MTTQ"] == "front"
    assert [c for c, k in kinds.items() if k == "mass_org"] == ["LĐLĐ", "CCB", "HND", "HLHPN", "HĐ"]
    assert kinds["CTĐ"] == "association"  # not one of the 05 đoàn thể chính trị - xã hội (domain.md §1.3)


def test_committee_and_government_bodies():
    assert {c: ORGS[c]["kind"] for c in ("HU", "BTV", "TTHU", "UBND", "HĐND")} == {
        "HU": "committee",
        "BTV": "committee",
        "TTHU": "committee",
        "UBND": "government",
        "HĐND": "government",
    }
    orders = [row["order"] for row in catalog.ORGANISATIONS]
    assert len(orders) == len(set(orders))


def test_15_communes_cover_the_named_localities():
    communes = [row for row in catalog.ORGANISATIONS if row["kind"] == "commune"]
    assert len(communes) == 15
    localities = FIXTURES["localities_phung_hiep"]
    names = {row["name"] for row in communes}
    for place in localities["xa"]:
        assert f"Đảng ủy xã {place}" in names
    for place in [*localities["thi_tran"], "Cây Dương"]:
        assert f"Đảng ủy thị trấn {place}" in names
    for row in communes:
        assert re.fullmatch(r"(X|TT)\.[A-Z]+", row["code"])
        assert row["parent_code"] == "HU"
    tan_binh = ORGS["X.TANBINH"]
    assert tan_binh["name"] == "Đảng ủy xã Tân Bình"
    assert {"xã Tân Bình", "Tân Bình"} <= set(tan_binh["aliases"])
    # "Phụng Hiệp" alone names the district, so the commune only answers to qualified forms
    assert "Phụng Hiệp" not in ORGS["X.PHUNGHIEP"]["aliases"]


@pytest.mark.parametrize(
    ("code", "aliases"),
    [
        ("BTG", {"Ban Tuyên giáo Huyện ủy", "Ban Tuyên giáo", "BTG"}),
        ("MTTQ", {"Ủy ban MTTQ Việt Nam huyện", "Mặt trận Tổ quốc", "MTTQ", "UBMTTQ"}),
        ("HĐ", {"Huyện đoàn", "Đoàn Thanh niên", "Ban Thường vụ Huyện đoàn"}),
        ("LĐLĐ", {"Liên đoàn Lao động huyện", "LĐLĐ"}),
        ("CCB", {"Hội Cựu chiến binh"}),
        ("HND", {"Hội Nông dân"}),
        ("HLHPN", {"Hội Liên hiệp Phụ nữ", "Hội Phụ nữ"}),
        ("CTĐ", {"Hội Chữ thập đỏ"}),
        ("VP", {"Văn phòng Huyện ủy"}),
        ("UBKT", {"Ủy ban Kiểm tra Huyện ủy", "UBKT"}),
        ("TTCT", {"Trung tâm Chính trị huyện"}),
        ("UBND", {"Ủy ban nhân dân huyện", "UBND huyện"}),
    ],
)
def test_aliases_cover_forms_seen_in_real_text(code, aliases):
    row = ORGS[code]
    assert aliases <= {row["name"], *row["aliases"]}


def test_every_alias_is_unambiguous_and_matches_its_own_code():
    matcher = build_matcher(agency_refs(catalog.ORGANISATIONS))
    assert matcher.ambiguous == {}
    seen: dict[str, str] = {}
    for row in catalog.ORGANISATIONS:
        for alias in (row["name"], *row["aliases"]):
            key = search_key(alias)
            assert seen.setdefault(key, row["code"]) == row["code"], alias
            assert matcher.find_all(alias) == [(0, len(alias), row["code"])], alias


def test_emails_are_fictitious():
    for row in catalog.ORGANISATIONS:
        assert row["emails"], row["code"]
        assert all(e.endswith("@phunghiep.example") for e in row["emails"])
    all_emails = [e for row in catalog.ORGANISATIONS for e in row["emails"]]
    assert len(all_emails) == len(set(all_emails))


def test_demo_users():
    users = catalog.DEMO_USERS
    assert {u["role"] for u in users} == ROLES
    emails = [u["email"] for u in users]
    assert len(emails) == len(set(emails))
    for user in users:
        assert set(user) == {"email", "name", "role", "org_code", "title"}
        assert user["email"].endswith("@phunghiep.example")
        assert user["org_code"] in ORGS
        assert user["name"] not in {"Võ Văn Kết", "Nguyễn Hồng Đức", "Trương Cảnh Tuyên"}
    by_role = {}
    for user in users:
        by_role.setdefault(user["role"], []).append(user["org_code"])
    assert by_role["committee"] == ["TTHU"]
    assert by_role["office"] == ["VP"] and by_role["office_chief"] == ["VP"]
    assert by_role["agency_head"] == ["BTG"]
    assert set(by_role["agency_officer"]) == {"BTG", "MTTQ", "X.TANBINH"}
    assert len(catalog.DEMO_PASSWORD) >= 12


def test_expected_conclusion_shape():
    expected = catalog.DEMO_CONCLUSION_EXPECTED
    tasks = expected["tasks"]
    assert [t["ordinal"] for t in tasks] == list(range(1, 10))
    assert expected["task_count"] == 9 and expected["item_count"] == 11
    assert sum(len(t["items"]) for t in tasks) == 11
    assert sorted(len(t["items"]) for t in tasks) == [1] * 7 + [2, 2]
    for task in tasks:
        assert task["due_date"] == date(2024, 6, 30)
        for code in [task["lead_code"], *task["coordinator_codes"]]:
            assert code in ORGS
        for item in task["items"]:
            assert item["due_date"] == date(2024, 6, 30)
            assert item["lead_code"] in ORGS
    phrases = [item["due_phrase"] for task in tasks for item in task["items"]]
    assert phrases.count("trong quý II/2024") == 10
    tan_binh = [item for task in tasks for item in task["items"] if item["lead_code"] == "X.TANBINH"][0]
    assert tan_binh["text"] == (
        "Xây dựng hoàn thành 19 tiêu chí xã Nông thôn mới Tân Bình, để sớm được công nhận trong tháng 6/2024"
    )
    assert tan_binh["due_phrase"] == "trong tháng 6/2024"


def test_demo_text_exercises_normalisation():
    text = catalog.demo_conclusion_text()
    assert not unicodedata.is_normalized("NFC", text)  # a few decomposed characters on purpose
    nfc = unicodedata.normalize("NFC", text)
    assert "hoá" in nfc and "Hoà" in nfc and "uỷ" in nfc
    for marker in (
        "HUYỆN ỦY PHỤNG HIỆP",
        "Số 198-TB/HU",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Nơi nhận:",
        "T/L BAN THƯỜNG VỤ",
    ):
        assert marker in nfc
    assert "Võ Văn Kết" not in nfc
    assert len(re.findall(r"(?m)^\d+\. ", nfc)) == 9

"""Text normalisation and matching keys (domain.md §0.2)."""

import unicodedata

import pytest

from app.core.text import fold_tone_marks, normalize, search_key, strip_diacritics


def test_normalize_composes_nfd_and_replaces_nbsp():
    decomposed = unicodedata.normalize("NFD", "Huyện ủy")
    assert normalize(decomposed + "\u00a0\u00a0Phụng  Hiệp") == "Huyện ủy Phụng Hiệp"


def test_normalize_keeps_line_breaks_and_ends():
    assert normalize(" a \t b\n c ") == " a b\n c "


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [
        ("Hoà Bình", "Hòa Bình"),
        ("xoá", "xóa"),
        ("lan toả", "lan tỏa"),
        ("khoẻ", "khỏe"),
        ("Uỷ ban", "Ủy ban"),
        ("UỶ BAN", "ỦY BAN"),
        ("Thuỷ", "Thủy"),
        ("hoạ", "họa"),
        ("luỹ", "lũy"),
    ],
)
def test_fold_tone_marks_moves_old_style_marks(old_style, new_style):
    assert fold_tone_marks(old_style) == new_style
    assert fold_tone_marks(new_style) == new_style


@pytest.mark.parametrize("word", ["hoàn thành", "toán", "huỳnh", "quý", "khuỷu", "tuyến"])
def test_fold_tone_marks_leaves_closed_syllables_and_qu_alone(word):
    assert fold_tone_marks(word) == word


def test_fold_tone_marks_accepts_decomposed_input():
    assert fold_tone_marks(unicodedata.normalize("NFD", "Hoà")) == "Hòa"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Hoà Bình", "Hòa Bình"),
        ("Huyện Uỷ", "huyện ủy"),
        ("  Tân\u00a0Bình\n", "tân bình"),
        (unicodedata.normalize("NFD", "Phụng Hiệp"), "PHỤNG HIỆP"),
    ],
)
def test_search_key_ignores_case_spacing_and_tone_placement(left, right):
    assert search_key(left) == search_key(right)


def test_search_key_keeps_diacritics():
    assert search_key("Tân Bình") != search_key("tan binh")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tân Bình", "tan binh"),
        ("Đảng ủy", "dang uy"),
        ("Hoà  Bình", "hoa binh"),
        ("PHỤNG HIỆP", "phung hiep"),
    ],
)
def test_strip_diacritics(text, expected):
    assert strip_diacritics(text) == expected


def test_accent_free_query_matches_accented_name():
    assert strip_diacritics("tan binh") == strip_diacritics("Tân Bình")
    assert strip_diacritics("tan binh") in strip_diacritics("xã Nông thôn mới Tân Bình")


def test_strip_diacritics_can_keep_case():
    assert strip_diacritics("Đảng ủy Tân Bình", keep_case=True) == "Dang uy Tan Binh"

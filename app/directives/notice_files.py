"""Reading an uploaded notice (.docx or .txt) into text, safely.

The rule here: a .docx is checked as a zip (size, entry count, compression ratio: zip bombs
are refused), ``word/document.xml`` is read with a non-resolving XML parser, and Word's
automatic numbering ("1.", "a)", "- ") that python-docx would lose is re-created.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib


class ImportFileError(ValueError):
    """An uploaded file that cannot be imported; the message is Vietnamese and safe to show."""


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # tiny parts compress extremely well; judge the ratio above 1 MB only
_MB = 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / _MB:.0f} MB" if n >= _MB else f"{n / 1024:.0f} KB"


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise ImportFileError("Tệp .docx bị hỏng, không đọc được nội dung.") from exc
    if len(data) > limit:
        raise ImportFileError("Tệp .docx có dung lượng giải nén vượt giới hạn cho phép.")
    return data


def _parse_xml(data: bytes, part: str):
    from lxml import etree  # python-docx dependency

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ImportFileError(f"Tệp .docx bị hỏng ({part} không hợp lệ).") from exc
    if root.getroottree().docinfo.doctype:
        raise ImportFileError(f"Tệp .docx không hợp lệ ({part} chứa khai báo DOCTYPE).")
    return root


def _attr(el, name: str = "val") -> str | None:
    return None if el is None else el.get(_W + name)


def _to_roman(n: int) -> str:
    out = ""
    for value, digits in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while n >= value:
            out += digits
            n -= value
    return out


def _to_letters(n: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[(n - 1) % 26] * ((n - 1) // 26 + 1)


def _format_number(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _to_letters(n)
    if fmt == "upperLetter":
        return _to_letters(n).upper()
    if fmt == "lowerRoman":
        return _to_roman(n)
    if fmt == "upperRoman":
        return _to_roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


class _Numbering:
    """Re-creates Word's automatic numbering (numbering.xml + styles.xml) as text prefixes."""

    def __init__(self, numbering_root, styles_root) -> None:
        self.levels: dict[
            str, dict[int, tuple[str, str, int]]
        ] = {}  # abstractNumId -> ilvl -> (fmt, text, start)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.style_num: dict[str, tuple[str | None, int | None]] = {}
        self.counters: dict[str, list[int | None]] = {}
        self.started: set[str] = set()
        if numbering_root is not None:
            for abstract in numbering_root.iter(_W + "abstractNum"):
                levels: dict[int, tuple[str, str, int]] = {}
                for lvl in abstract.iter(_W + "lvl"):
                    ilvl = int(lvl.get(_W + "ilvl", "0"))
                    levels[ilvl] = (
                        _attr(lvl.find(_W + "numFmt")) or "decimal",
                        _attr(lvl.find(_W + "lvlText")) or "",
                        int(_attr(lvl.find(_W + "start")) or 1),
                    )
                self.levels[abstract.get(_W + "abstractNumId", "")] = levels
            for num in numbering_root.iter(_W + "num"):
                overrides: dict[int, int] = {}
                for override in num.iter(_W + "lvlOverride"):
                    start = _attr(override.find(_W + "startOverride"))
                    if start is not None:
                        overrides[int(override.get(_W + "ilvl", "0"))] = int(start)
                self.nums[num.get(_W + "numId", "")] = (
                    _attr(num.find(_W + "abstractNumId")) or "",
                    overrides,
                )
        if styles_root is not None:
            raw: dict[str, tuple[str | None, str | None, int | None]] = {}
            for style in styles_root.iter(_W + "style"):
                num_pr = style.find(f"{_W}pPr/{_W}numPr")
                num_id = _attr(num_pr.find(_W + "numId")) if num_pr is not None else None
                ilvl = _attr(num_pr.find(_W + "ilvl")) if num_pr is not None else None
                raw[style.get(_W + "styleId", "")] = (
                    _attr(style.find(_W + "basedOn")),
                    num_id,
                    int(ilvl) if ilvl is not None else None,
                )
            for style_id in raw:
                seen: set[str] = set()
                current: str | None = style_id
                while current and current in raw and current not in seen:
                    seen.add(current)
                    based_on, num_id, ilvl = raw[current]
                    if num_id is not None:
                        self.style_num[style_id] = (num_id, ilvl)
                        break
                    current = based_on

    def prefix(self, paragraph) -> str:
        ppr = paragraph.find(_W + "pPr")
        num_id: str | None = None
        ilvl: int | None = None
        if ppr is not None:
            num_pr = ppr.find(_W + "numPr")
            if num_pr is not None:
                num_id = _attr(num_pr.find(_W + "numId"))
                level = _attr(num_pr.find(_W + "ilvl"))
                ilvl = int(level) if level is not None else None
            if num_id is None:
                style = _attr(ppr.find(_W + "pStyle"))
                if style and style in self.style_num:
                    num_id, style_ilvl = self.style_num[style]
                    ilvl = ilvl if ilvl is not None else style_ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        ilvl = min(max(ilvl or 0, 0), 8)
        abstract_id, overrides = self.nums[num_id]
        levels = self.levels.get(abstract_id, {})
        fmt, lvl_text, start = levels.get(ilvl, ("decimal", f"%{ilvl + 1}.", 1))
        if fmt == "bullet":
            return "- "
        counters = self.counters.setdefault(abstract_id, [None] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for level, value in overrides.items():
                if 0 <= level < 9:
                    counters[level] = value - 1
        for level in range(ilvl + 1, 9):
            counters[level] = None
        for level in range(ilvl):
            if counters[level] is None:
                counters[level] = levels.get(level, ("decimal", "", 1))[2]
        counters[ilvl] = start if counters[ilvl] is None else counters[ilvl] + 1

        def render(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            value = counters[level] if 0 <= level < 9 and counters[level] is not None else 1
            level_fmt = levels.get(level, ("decimal", "", 1))[0]
            return _format_number(value, "decimal" if level_fmt == "bullet" else level_fmt)

        text = re.sub(r"%([1-9])", render, lvl_text).strip()
        return text + " " if text else ""


def _paragraph_text(paragraph) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        for child in node:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            if tag == _W + "t":
                parts.append(child.text or "")
            elif tag == _W + "tab":
                parts.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                parts.append("\n")
            elif tag == _W + "noBreakHyphen":
                parts.append("-")
            elif tag in (
                _W + "del",
                _W + "moveFrom",
                _W + "instrText",
                _W + "delText",
                _W + "pPr",
                _W + "rPr",
            ):
                continue
            elif tag.startswith(_MC) or tag in (_W + "drawing", _W + "pict", _W + "object"):
                continue
            else:
                walk(child)

    walk(paragraph)
    return "".join(parts)


def _body_paragraphs(node):
    for child in node:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag == _W + "p":
            yield child
        elif tag == _W + "tbl":
            for row in child.iter(_W + "tr"):
                for cell in row.findall(_W + "tc"):
                    yield from _body_paragraphs(cell)
        elif tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "smartTag"):
            yield from _body_paragraphs(child)


def extract_docx_text(
    data: bytes,
    *,
    max_bytes: int = 10 * _MB,
    max_uncompressed: int = 50 * _MB,
    max_entries: int = 2000,
) -> str:
    """The paragraph text of a Word .docx, one paragraph per line, automatic numbering included.

    Refuses (with :class:`ImportFileError`, Vietnamese message) anything that is not a
    real .docx: not a zip, no ``word/document.xml``, encrypted, too big, too many
    entries, or a zip bomb (total uncompressed size over *max_uncompressed*, or a
    compression ratio over 100).  Tables are read cell by cell; deleted revisions,
    field codes and drawings are skipped.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("extract_docx_text expects bytes")
    data = bytes(data)
    if not data:
        raise ImportFileError("Tệp rỗng.")
    if len(data) > max_bytes:
        raise ImportFileError(f"Tệp quá lớn ({_mb(len(data))}); dung lượng tối đa là {_mb(max_bytes)}.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError("Tệp Word 97-2003 (.doc) không được hỗ trợ; hãy lưu lại dưới dạng .docx.")
    if not data.startswith(b"PK"):
        raise ImportFileError("Tệp không phải là tài liệu Word (.docx) hợp lệ.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ImportFileError("Tệp không phải là tài liệu Word (.docx) hợp lệ.") from exc
    with zf:
        if len(infos) > max_entries:
            raise ImportFileError(f"Tệp .docx có quá nhiều thành phần ({len(infos)}; tối đa {max_entries}).")
        total = sum(info.file_size for info in infos)
        packed = sum(info.compress_size for info in infos)
        if total > max_uncompressed:
            raise ImportFileError(
                f"Tệp .docx khi giải nén quá lớn ({_mb(total)}; tối đa {_mb(max_uncompressed)}): nghi ngờ tệp nén độc hại."
            )
        sizes = [(info.file_size, info.compress_size) for info in infos] + [(total, packed)]
        if any(size > _RATIO_FLOOR and size > _MAX_RATIO * max(csize, 1) for size, csize in sizes):
            raise ImportFileError("Tệp .docx có tỷ lệ nén bất thường: nghi ngờ tệp nén độc hại (zip bomb).")
        by_name = {info.filename: info for info in infos}
        if "word/document.xml" not in by_name:
            raise ImportFileError("Tệp không phải là tài liệu Word (.docx): thiếu word/document.xml.")
        if any(info.flag_bits & 0x1 for info in infos):
            raise ImportFileError("Tệp .docx được mã hóa (đặt mật khẩu), không đọc được.")
        document = _parse_xml(
            _read_member(zf, by_name["word/document.xml"], max_uncompressed), "document.xml"
        )
        numbering = styles = None
        if "word/numbering.xml" in by_name:
            numbering = _parse_xml(
                _read_member(zf, by_name["word/numbering.xml"], max_uncompressed), "numbering.xml"
            )
        if "word/styles.xml" in by_name:
            styles = _parse_xml(_read_member(zf, by_name["word/styles.xml"], max_uncompressed), "styles.xml")

    body = document.find(_W + "body")
    if body is None:
        raise ImportFileError("Tệp .docx không có phần nội dung (w:body).")
    numbers = _Numbering(numbering, styles)
    lines: list[str] = []
    for paragraph in _body_paragraphs(body):
        text = _paragraph_text(paragraph)
        prefix = numbers.prefix(paragraph) if text.strip() else ""
        lines.append(prefix + text)
    return "\n".join(lines)


def read_import_file(data: bytes, filename: str) -> str:
    """Text of an uploaded notice: .docx through :func:`extract_docx_text`, .txt as UTF-8."""
    name = (filename or "").lower()
    if name.endswith(".docx"):
        return extract_docx_text(data)
    if name.endswith(".txt"):
        if len(data) > 10 * _MB:
            raise ImportFileError(f"Tệp quá lớn; dung lượng tối đa là {_mb(10 * _MB)}.")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError("Tệp văn bản không ở dạng mã UTF-8.") from exc
    raise ImportFileError("Chỉ nhận tệp .docx hoặc .txt.")

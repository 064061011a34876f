"""Turn seed 003 (the real Q2/2024 report, ../shared/seeds/003_e184401f0be19989.txt) into test data.

Run once: ``python tests/reports/data/extract_seed003.py SEED > tests/reports/data/seed003_q2_2024.json``.
The output holds what the office and the 13 agencies type into the product (narrative parts,
results with ``[^…]`` footnotes at the anchors the conversion lost, tally sentences, next tasks,
proposals) and the paragraphs the Word file must contain, in reading order, with the corrections
domain.md lists applied (70,89%; "một nhiệm vụ"; "QUÝ I/2024"; sequential numbering; "63-96%").
"""

from __future__ import annotations

import json
import sys
import unicodedata

AGENCY_CODES = ["BTG", "BTC", "UBKT", "BDV", "TTCT", "VP", "MTTQ", "LĐLĐ", "CCB", "HND", "HLHPN", "HĐ", "CTĐ"]
#: The tally sentence of these agencies is computed from their indicators; the others write their own.
COMPUTED_TALLY = {"MTTQ", "LĐLĐ", "CTĐ"}
CORRECTIONS = [
    ("ĐỊNH KỲ I/2024", "ĐỊNH KỲ QUÝ I/2024"),
    ("còn một nhiệm chưa", "còn một nhiệm vụ chưa"),
    ("đạt 70,87% chỉ tiêu", "đạt 70,89% chỉ tiêu"),
    ("2. Kết quả cụ thể trên từng lĩnh vực", "3. Kết quả cụ thể trên từng lĩnh vực"),
    ("IV. ĐỀ XUẤT, KIẾN NGHỊ", "V. ĐỀ XUẤT, KIẾN NGHỊ"),
    ("đạt từ 63 -96%", "đạt từ 63-96%"),
]
FOOTNOTE_MARK = "\ufffd"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _paragraphs(lines: list[str]) -> list[tuple[str, list[int]]]:
    """Body paragraphs; a line opening with punctuation or a space continues the previous one at a lost
    footnote anchor (003:L57–58).  Each paragraph is (text with \\x00 at anchors, anchor count)."""
    out: list[list] = []
    for raw in lines:
        if not raw.strip():
            continue
        if out and raw[:1] in {".", ";", ",", " "}:
            out[-1][0] += "\x00" + raw.rstrip()
        else:
            out.append([raw.strip()])
    return [p[0] for p in out]


def _footnotes(lines: list[str]) -> list[str]:
    notes: list[list[str]] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line.startswith(FOOTNOTE_MARK):
            notes.append([line[1:].strip()])
        elif notes:
            notes[-1].append(line)
    return ["\n".join(n) for n in notes]


def _with_notes(paragraph: str, notes: list[str], start: int) -> tuple[str, int]:
    pieces = paragraph.split("\x00")
    text = pieces[0]
    for piece in pieces[1:]:
        text += f"[^{notes[start]}]" + piece
        start += 1
    return text, start


def _fix(text: str) -> str:
    for wrong, right in CORRECTIONS:
        text = text.replace(wrong, right)
    return text


def extract(path: str) -> dict:
    lines = _nfc(open(path, encoding="utf-8").read()).splitlines()
    body_end = next(i for i, line in enumerate(lines) if line.strip() == "Nơi nhận:")
    first_fn = next(i for i, line in enumerate(lines) if line.startswith(FOOTNOTE_MARK))
    notes = _footnotes(lines[first_fn:])
    body = _paragraphs(lines[20:body_end])  # from "I. NHỮNG KẾT QUẢ…"
    index = {p.split("\x00")[0]: i for i, p in enumerate(body)}

    def between(start: str, end: str | None) -> list[str]:
        a = index[start] + 1
        b = index[end] if end else len(body)
        return body[a:b]

    noted, next_note = [], 0
    for p in body:
        text, next_note = _with_notes(p, notes, next_note)
        noted.append(text)
    assert next_note == len(notes) == 12, (next_note, len(notes))
    by_plain = dict(zip(body, noted, strict=True))

    headings = [p for p in body if p.startswith("* ") and p.endswith(":")][:13]
    agencies: dict[str, dict] = {}
    for n, (code, heading) in enumerate(zip(AGENCY_CODES, headings, strict=True)):
        following = headings[n + 1] if n + 1 < len(headings) else "III. NHẬN XÉT, ĐÁNH GIÁ"
        block = between(heading, following)
        tally = block[-1]
        assert tally.startswith("Thực hiện") or code not in COMPUTED_TALLY | {"CCB", "HND", "HLHPN", "HĐ"}, tally
        has_tally = code in COMPUTED_TALLY | {"CCB", "HND", "HLHPN", "HĐ"}
        texts = block[:-1] if has_tally else block
        agencies[code] = {
            "heading": heading[2:-1],
            "results_text": "\n".join(by_plain[p] for p in texts),
            "tally_text": "" if code in COMPUTED_TALLY or not has_tally else tally,
            "printed_tally": tally if has_tally else "",
        }
    next_tasks = between("2. Nhiệm vụ cụ thể từng lĩnh vực", "IV. ĐỀ XUẤT, KIẾN NGHỊ")
    assert len(next_tasks) == 13
    for code, line in zip(AGENCY_CODES, next_tasks, strict=True):
        agencies[code]["next_tasks_text"] = line
        agencies[code]["proposals_text"] = ""
    agencies["BTG"]["proposals_text"] = "\n".join(between("IV. ĐỀ XUẤT, KIẾN NGHỊ", None))

    difficulties = between("2. Khó khăn, hạn chế và nguyên nhân", "IV. MỘT SỐ NHIỆM VỤ TRONG THỜI GIAN TỚI")
    narrative = {
        "key_work": "\n".join(between("2. Các mặt công tác trọng tâm", "2. Kết quả cụ thể trên từng lĩnh vực")),
        "achievements": "\n".join(between("1. Kết quả đạt được", "2. Khó khăn, hạn chế và nguyên nhân")),
        "limitations": "\n".join(difficulties[1:-1]),
        "causes": difficulties[-1],
        "next_key_work": "\n".join(between("1. Các mặt công tác trọng tâm", "2. Nhiệm vụ cụ thể từng lĩnh vực")),
    }
    assert difficulties[0] == "* Khó khăn, hạn chế:" and difficulties[-1].startswith("* Nguyên nhân hạn chế:")

    signature = [lines[i].strip() for i in range(body_end, first_fn) if lines[i].strip()]
    recipients = signature[1:-2]
    expected = [
        # the two-column header as the table reads: left cell, right cell, then the number | place-date row
        lines[0].strip(), lines[2].strip(), lines[5].strip(), lines[3].strip(), lines[8].strip(), lines[6].strip(),
        *[lines[i].strip() for i in range(12, 20) if lines[i].strip()],
        *[_fix(p.replace("\x00", "")) for p in body],
        *signature,
    ]
    return {
        "source": "shared/seeds/003_e184401f0be19989.txt",
        "signer": {"title": signature[-2], "name": signature[-1]},
        "recipients": [r.removeprefix("- ").rstrip(" ,.") for r in recipients],
        "narrative": narrative,
        "agencies": agencies,
        "footnotes": notes,
        "expected": expected,
    }


if __name__ == "__main__":
    json.dump(extract(sys.argv[1]), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")

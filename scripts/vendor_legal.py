"""Vendor the 17 ALQAC 2023/2024 laws into ingest/legal/ (one .txt per law + manifest.yaml).

    .venv/bin/python scripts/vendor_legal.py [../shared/legal/alqac2024/law.json]

Text: NFC, "Ð" (U+00D0) → "Đ", one paragraph per line, each article opened by
"Điều N. Title" (the Hiến pháp's untitled articles by "Điều N"). Metadata: the number
(số hiệu) and the year of passage are not in the ALQAC texts (they hold articles only),
so they come from the table below (well-known public facts, marked ``source: knowledge``);
the effective date is read from the law's own "có hiệu lực thi hành từ ngày …" article
(``effective_source: text``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from troly.documents.legal import article_paragraphs, normalize_legal_text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "ingest" / "legal"

# alqac id → (doc_id, title, doc_type, number, year passed, date passed)
LAWS: dict[str, tuple[str, str, str, str | None, int, str]] = {
    "Hiến pháp": ("hien-phap-2013", "Hiến pháp", "Hiến pháp", None, 2013, "28/11/2013"),
    "Bộ luật dân sự": (
        "bo-luat-dan-su-2015",
        "Bộ luật Dân sự",
        "Bộ luật",
        "91/2015/QH13",
        2015,
        "24/11/2015",
    ),
    "Luật Tố tụng hành chính": (
        "luat-to-tung-hanh-chinh-2015",
        "Luật Tố tụng hành chính",
        "Luật",
        "93/2015/QH13",
        2015,
        "25/11/2015",
    ),
    "Luật Hôn nhân và gia đình": (
        "luat-hon-nhan-va-gia-dinh-2014",
        "Luật Hôn nhân và gia đình",
        "Luật",
        "52/2014/QH13",
        2014,
        "19/6/2014",
    ),
    "Luật Cư trú": ("luat-cu-tru-2020", "Luật Cư trú", "Luật", "68/2020/QH14", 2020, "13/11/2020"),
    "Luật Phòng, chống ma túy": (
        "luat-phong-chong-ma-tuy-2021",
        "Luật Phòng, chống ma túy",
        "Luật",
        "73/2021/QH14",
        2021,
        "30/3/2021",
    ),
    "Luật Bảo vệ môi trường": (
        "luat-bao-ve-moi-truong-2020",
        "Luật Bảo vệ môi trường",
        "Luật",
        "72/2020/QH14",
        2020,
        "17/11/2020",
    ),
    "Luật Viên chức": (
        "luat-vien-chuc-2010",
        "Luật Viên chức",
        "Luật",
        "58/2010/QH12",
        2010,
        "15/11/2010",
    ),
    "Luật Tiếp cận thông tin": (
        "luat-tiep-can-thong-tin-2016",
        "Luật Tiếp cận thông tin",
        "Luật",
        "104/2016/QH13",
        2016,
        "06/4/2016",
    ),
    "Luật Trồng trọt": (
        "luat-trong-trot-2018",
        "Luật Trồng trọt",
        "Luật",
        "31/2018/QH14",
        2018,
        "19/11/2018",
    ),
    "Luật An ninh mạng": (
        "luat-an-ninh-mang-2018",
        "Luật An ninh mạng",
        "Luật",
        "24/2018/QH14",
        2018,
        "12/6/2018",
    ),
    "Luật Chăn nuôi": (
        "luat-chan-nuoi-2018",
        "Luật Chăn nuôi",
        "Luật",
        "32/2018/QH14",
        2018,
        "19/11/2018",
    ),
    "Luật Du lịch": (
        "luat-du-lich-2017",
        "Luật Du lịch",
        "Luật",
        "09/2017/QH14",
        2017,
        "19/6/2017",
    ),
    "Luật Điện ảnh": (
        "luat-dien-anh-2022",
        "Luật Điện ảnh",
        "Luật",
        "05/2022/QH15",
        2022,
        "15/6/2022",
    ),
    "Luật Trọng tài thương mại": (
        "luat-trong-tai-thuong-mai-2010",
        "Luật Trọng tài thương mại",
        "Luật",
        "54/2010/QH12",
        2010,
        "17/6/2010",
    ),
    "Luật Thanh niên": (
        "luat-thanh-nien-2020",
        "Luật Thanh niên",
        "Luật",
        "57/2020/QH14",
        2020,
        "16/6/2020",
    ),
    "Luật Giáo dục": (
        "luat-giao-duc-2019",
        "Luật Giáo dục",
        "Luật",
        "43/2019/QH14",
        2019,
        "14/6/2019",
    ),
}

EFFECTIVE = re.compile(r"có hiệu lực (?:thi hành )?(?:kể )?từ ngày (\d+) tháng (\d+) năm (\d{4})")


def main(src: Path) -> None:
    laws = json.loads(src.read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    entries = []
    for law in laws:
        doc_id, title, doc_type, number, year, passed = LAWS[law["id"]]
        paragraphs: list[str] = []
        effective = None
        for art in law["articles"]:
            paragraphs.extend(article_paragraphs(art["id"], art["text"]))
            m = EFFECTIVE.search(normalize_legal_text(art["text"]))
            if m and effective is None:
                effective = f"{int(m[1]):02d}/{int(m[2]):02d}/{m[3]}"
        (OUT / f"{doc_id}.txt").write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
        entries.append(
            {
                "id": doc_id,
                "file": f"{doc_id}.txt",
                "title": title,
                "doc_type": doc_type,
                "number": number,
                "year": year,
                "passed": passed,
                "effective": effective,
                "source": "knowledge",
                "effective_source": "text" if effective else None,
                "alqac_id": law["id"],
                "articles": len(law["articles"]),
            }
        )
    header = (
        "# The bundled legal library: the 17 laws of the ALQAC 2023/2024 corpus.\n"
        "# number/year/passed: not in the ALQAC texts, from public knowledge (source: knowledge);\n"
        "# effective: read from the law's own 'có hiệu lực thi hành từ ngày …' article.\n"
        "# Generated by scripts/vendor_legal.py; to add a law see README 'Legal library'.\n"
    )
    body = yaml.safe_dump({"laws": entries}, allow_unicode=True, sort_keys=False, width=100)
    (OUT / "manifest.yaml").write_text(header + body, encoding="utf-8")
    print(f"wrote {len(entries)} laws to {OUT}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared/legal/alqac2024/law.json")
    )

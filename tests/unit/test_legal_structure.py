"""Normative structure parser, references and the article chunker on inline fixtures."""

from __future__ import annotations

from dataclasses import replace

import pytest

from troly.chunking.articles import article_chunks, law_label
from troly.documents.legal import (
    CLOSING,
    article_paragraphs,
    citation_form,
    normalize_legal_text,
    parse_legal,
    tree_from_paragraphs,
    unit_kind,
    unit_number,
    unit_text,
)
from troly.documents.references import (
    LibraryEntry,
    parse_basis,
    parse_references,
    references_of,
    resolve,
)
from troly.schema import DocumentMeta

pytestmark = pytest.mark.unit

DECREE = [
    "CHÍNH PHỦ",
    "Số: 12/2024/NĐ-CP",
    "NGHỊ ĐỊNH",
    "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;",
    "Căn cứ Luật Cư trú ngày 13 tháng 11 năm 2020;",
    "Căn cứ Nghị định số 82/2018/NĐ-CP ngày 22 tháng 5 năm 2018 của Chính phủ;",
    "Chính phủ ban hành Nghị định quy định chi tiết.",
    "Phần thứ nhất",
    "QUY ĐỊNH CHUNG",
    "Chương I",
    "NHỮNG QUY ĐỊNH CHUNG",
    "Mục 1. PHẠM VI",
    "Điều 1. Phạm vi điều chỉnh",
    "Nghị định này quy định chi tiết Điều 12 Luật Cư trú.",
    "Điều 2. Nơi cư trú",
    "Các trường hợp sau đây:",
    "1. Người chưa thành niên:",
    "a) Ở với cha, mẹ;",
    "b) Theo quy định tại khoản 1 Điều này và Điều 5 của Nghị định này.",
    "- ý phụ của điểm b",
    "2. Người được giám hộ.",
    "Chương II",
    "ĐIỀU KHOẢN THI HÀNH",
    "Tiểu mục 1. Hiệu lực",
    "Điều 3",
    "Nghị định này có hiệu lực từ ngày ký.",
]


def test_units_and_hierarchy() -> None:
    s = parse_legal(DECREE)
    assert [r.path for r in s.sections] == ["Mở đầu", "Căn cứ", "Phần thứ nhất"]
    assert len(s.basis) == 3 and s.basis[0].startswith("Căn cứ Luật Tổ chức")
    phan = s.sections[2]
    assert phan.title == "QUY ĐỊNH CHUNG"
    chuong1, chuong2 = phan.children
    assert (chuong1.path, chuong1.title) == ("Chương I", "NHỮNG QUY ĐỊNH CHUNG")
    muc = chuong1.children[0]
    assert (unit_kind(muc), muc.title) == ("muc", "PHẠM VI")
    d1, d2 = muc.children
    assert (d1.path, d1.title, d1.key) == ("Điều 1", "Phạm vi điều chỉnh", "dieu:1")
    assert d2.text == "Các trường hợp sau đây:"
    k1, k2 = d2.children
    assert (k1.path, k1.key) == ("khoản 1", "dieu:2/khoan:1")
    a, b = k1.children
    assert (a.path, a.key, unit_number(a)) == ("điểm a", "dieu:2/khoan:1/diem:a", "a")
    assert b.text == "- ý phụ của điểm b"  # dash items stay in the điểm
    assert k2.title == "Người được giám hộ."
    tieumuc = chuong2.children[0]
    assert unit_kind(tieumuc) == "tieumuc"
    d3 = tieumuc.children[0]
    assert (d3.path, d3.title, d3.text) == ("Điều 3", "", "Nghị định này có hiệu lực từ ngày ký.")
    assert [a.path for a in s.articles()] == ["Điều 1", "Điều 2", "Điều 3"]
    assert citation_form([d2, k1, a], "Luật Cư trú năm 2020") == (
        "điểm a khoản 1 Điều 2 Luật Cư trú năm 2020"
    )
    # the preamble keeps the issuer, number and title; nothing is dropped
    assert "Số: 12/2024/NĐ-CP" in s.sections[0].text


def test_the_closing_block_is_its_own_section_not_the_last_khoan() -> None:
    law = [
        "Điều 43. Hiệu lực thi hành",
        "1. Luật này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2019.",
        "2. Hệ thống thông tin đang vận hành thì trong thời hạn 12 tháng phải bổ sung.",
        "Luật này được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XIV, kỳ họp thứ 5"
        " thông qua ngày 12 tháng 6 năm 2018.",
        "CHỦ TỊCH QUỐC HỘI",
        "(Đã ký)",
        "Nguyễn Thị Kim Ngân",
    ]
    s = parse_legal(law)
    article, closing = s.sections
    assert unit_text(article.children[-1]).endswith("phải bổ sung.")
    assert (closing.path, closing.key) == (CLOSING, "closing")
    assert closing.text.startswith("Luật này được Quốc hội") and "(Đã ký)" in closing.text
    assert closing.text.endswith("Nguyễn Thị Kim Ngân")  # nothing dropped
    # a rule line or a signatory's title alone (no adoption formula) closes too
    ruled = parse_legal(["Điều 2. Hiệu lực", "1. Một.", "2. Hai.", "_______", "CHỦ TỊCH QUỐC HỘI"])
    assert unit_text(ruled.sections[0]).endswith("2. Hai.") and ruled.sections[1].text == (
        "CHỦ TỊCH QUỐC HỘI"
    )
    # the formula run into the article's last paragraph (a Word file of Luật Ngân sách
    # nhà nước 2025 has it so) is split off
    run_in = parse_legal(
        [
            "Điều 79. Quy định chi tiết",
            "Chính phủ quy định chi tiết các điều, khoản được giao trong Luật. Luật này được "
            "Quốc hội khoá XV, Kỳ họp thứ 9 thông qua ngày 25 tháng 6 năm 2025.",
            "CHỦ TỊCH QUỐC HỘI",
        ]
    )
    assert (
        run_in.sections[0].text
        == "Chính phủ quy định chi tiết các điều, khoản được giao trong Luật."
    )
    assert run_in.sections[1].text.split("\n") == [
        "Luật này được Quốc hội khoá XV, Kỳ họp thứ 9 thông qua ngày 25 tháng 6 năm 2025.",
        "CHỦ TỊCH QUỐC HỘI",
    ]
    signed = parse_legal(["Điều 50. Chuyển tiếp", "1. Một.", "CHỦ TỊCH QUỐC HỘI", "(Đã ký)"])
    assert [r.path for r in signed.sections] == ["Điều 50", CLOSING]
    # a decree issuing a regulation: the regulation's articles after "Nơi nhận:" are
    # articles again; a caps chapter title naming an office is still a title
    decree = [
        "Điều 1. Ban hành kèm theo Nghị định này Quy chế.",
        "Điều 2. Nghị định này có hiệu lực từ ngày ký.",
        "Nơi nhận:",
        "- Như Điều 2;",
        "TM. CHÍNH PHỦ",
        "THỦ TƯỚNG",
        "QUY CHẾ",
        "Chương I",
        "CHỦ TỊCH NƯỚC",
        "Điều 1. Phạm vi",
        "1. Quy chế này quy định.",
    ]
    d = parse_legal(decree)
    assert [r.path for r in d.sections] == ["Điều 1", "Điều 2", CLOSING, "Chương I"]
    assert d.sections[2].text.split("\n") == [
        "Nơi nhận:",
        "- Như Điều 2;",
        "TM. CHÍNH PHỦ",
        "THỦ TƯỚNG",
        "QUY CHẾ",
    ]
    chuong = d.sections[3]
    assert chuong.title == "CHỦ TỊCH NƯỚC"
    assert [a.key for a in d.articles()] == ["dieu:1", "dieu:2", "dieu:1#2"]
    assert unit_kind(d.articles()[2].children[0]) == "khoan"


def test_normalisation_and_alqac_articles() -> None:
    decomposed = "Ðie\u0302\u0300u 5. Nơi cư tru\u0301"  # U+00D0 and combining marks
    assert normalize_legal_text(decomposed) == "Điều 5. Nơi cư trú"
    s = parse_legal([decomposed, "1. Một"])
    assert s.articles()[0].title == "Nơi cư trú"
    # a titled ALQAC article and an untitled one (the Hiến pháp's)
    assert article_paragraphs("12", "Nơi cư trú\n\n1. Một.\n\n2. Hai.")[0] == "Điều 12. Nơi cư trú"
    assert article_paragraphs("1", "Nước Cộng hòa là một nước độc lập.")[0] == "Điều 1"


def test_duplicate_numbers_are_kept_with_a_warning() -> None:
    s = parse_legal(["Điều 1. A", "1. x", "1. y"])
    keys = [c.key for c in s.articles()[0].children]
    assert keys == ["dieu:1/khoan:1", "dieu:1/khoan:1#2"]
    assert s.warnings


def test_basis_and_in_text_references_resolve_against_the_library() -> None:
    basis = parse_basis(DECREE[3:6])
    assert [r.target for r in basis] == [
        "Luật Tổ chức Chính phủ",
        "Luật Cư trú",
        "Nghị định 82/2018/NĐ-CP",
    ]
    lib = [LibraryEntry("luat-cu-tru-2020", "Luật Cư trú", "68/2020/QH14")]
    resolve(basis, lib, "decree")
    assert [r.in_library for r in basis] == [False, True, False]
    text = (
        "theo quy định tại Điều 5 Luật này, điểm a khoản 2 Điều 12 của Luật Cư trú năm 2020, "
        "khoản 1 Điều này và Nghị định số 82/2018/NĐ-CP"
    )
    refs = resolve(parse_references(text, current_article="9"), lib, "decree")
    got = [(r.kind, r.location, r.doc_id, r.in_library) for r in refs]
    assert got == [
        ("article", "Điều 5", "decree", True),
        ("article", "điểm a khoản 2 Điều 12", "luat-cu-tru-2020", True),
        ("article", "khoản 1 Điều 9", "decree", True),
        ("document", "", "", False),
    ]
    assert refs[-1].target == "Nghị định 82/2018/NĐ-CP"


def _tree():
    meta = DocumentMeta(doc_id="luat-x-2020", title="Luật Cư trú", year=2020, number="68/2020/QH14")
    long_clause = "Nội dung dài của khoản. " * 30
    paras = [
        "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;",
        "Chương II",
        "QUYỀN, NGHĨA VỤ",
        "Điều 11. Ngắn",
        "1. Một khoản ngắn theo Điều 12 Luật này.",
        "Điều 12. Dài",
        f"1. {long_clause}",
        "2. Khoản hai:",
        "a) điểm a;",
        f"3. {long_clause}",
    ]
    return tree_from_paragraphs(meta, paras)


def test_article_chunks_one_per_article_long_ones_split_by_khoan() -> None:
    tree = _tree()
    assert law_label(tree) == "Luật Cư trú 2020"
    chunks = article_chunks(tree, max_chars=1000)
    assert chunks[0].path == "Điều 11"
    short = chunks[0]
    assert short.kind == "article"
    assert short.location == "Luật Cư trú 2020 › Chương II › Điều 11"
    assert short.text.startswith("Điều 11. Ngắn\n1. Một khoản ngắn")
    assert short.fields["citation"] == "Điều 11 Luật Cư trú năm 2020"
    pieces = chunks[1:]
    assert len(pieces) >= 2
    assert all(p.text.startswith("Điều 12. Dài\n") for p in pieces)
    assert pieces[0].path.startswith("Điều 12, khoản 1")
    assert pieces[-1].location.endswith("› Điều 12 › khoản 3")
    assert "điểm a" not in pieces[-1].text
    # all of the article is in some piece, exactly once
    joined = "".join(p.text for p in pieces)
    assert joined.count("a) điểm a;") == 1 and joined.count("3. Nội dung") == 1
    assert len({c.id for c in chunks}) == len(chunks)
    assert "Chương II. QUYỀN, NGHĨA VỤ" in short.embed_text


def test_a_long_article_is_indexed_whole_and_embedded_cut() -> None:
    """The dense model reads an article's first EMBED_CHARS characters; the lexical index
    reads all of it (a word only in its last khoản must match)."""
    from troly.chunking import dense_text
    from troly.chunking.articles import EMBED_CHARS
    from troly.text import document_terms

    meta = DocumentMeta(doc_id="luat-dai", title="Luật Dài", year=2020)
    filler = "Cơ quan đăng ký cư trú có trách nhiệm tiếp nhận hồ sơ của công dân. " * 30
    paras = ["Chương I", "QUY ĐỊNH CHUNG", "Điều 1. Một điều dài", filler + "Cuối cùng là lệ phí."]
    (chunk,) = article_chunks(tree_from_paragraphs(meta, paras), max_chars=5000)
    assert len(chunk.embed_text) > 2 * EMBED_CHARS
    assert chunk.embed_text.startswith("Luật Dài 2020 › Chương I. QUY ĐỊNH CHUNG\nĐiều 1.")
    dense = dense_text(chunk)
    assert len(dense) <= EMBED_CHARS and chunk.embed_text.startswith(dense)
    assert "le_phi" in document_terms(chunk.embed_text)
    assert "le_phi" not in document_terms(dense)


def test_the_lexical_index_reads_an_article_heading_once_more() -> None:
    """The heading line names the article's subject: it is read again (a field boost);
    a plan's section is read once."""
    from troly.chunking import ARTICLE_HEADING_REPEAT, lexical_texts

    meta = DocumentMeta(doc_id="luat-ngan", title="Luật Ngắn", year=2020)
    paras = ["Điều 35. Định đoạt tài sản chung", "1. Vợ chồng thỏa thuận việc định đoạt."]
    (chunk,) = article_chunks(tree_from_paragraphs(meta, paras), max_chars=5000)
    texts = lexical_texts(chunk)
    assert texts[0] == chunk.embed_text
    assert texts[1:] == ["Điều 35. Định đoạt tài sản chung"] * ARTICLE_HEADING_REPEAT
    assert lexical_texts(chunk, heading_repeat=0) == [chunk.embed_text]
    plan = replace(chunk, kind="section")
    assert lexical_texts(plan) == [chunk.embed_text]
    assert ARTICLE_HEADING_REPEAT >= 1


def test_ingest_builds_an_articles_lexical_vector_from_its_lexical_texts() -> None:
    """encode_chunks (the one place passage vectors are made) reads lexical_texts: the
    heading's words weigh more than the same words read once."""
    import numpy as np

    from troly.chunking import lexical_texts
    from troly.index_store import passage_sparse, sparse_from_terms, term_index
    from troly.ingestion import encode_chunks
    from troly.text import document_terms

    class _Zero:  # a stand-in embedder: this test is about the lexical half only
        name, dim = "zero", 4

        def embed_passages(self, texts: list[str]) -> np.ndarray:
            return np.zeros((len(texts), self.dim), dtype=np.float32)

    meta = DocumentMeta(doc_id="luat-ngan", title="Luật Ngắn", year=2020)
    paras = ["Điều 35. Định đoạt tài sản chung", "1. Vợ chồng thỏa thuận việc định đoạt."]
    (chunk,) = article_chunks(tree_from_paragraphs(meta, paras), max_chars=5000)
    dense, sparse = encode_chunks([chunk], _Zero(), batch_size=8)  # type: ignore[arg-type]
    assert dense.shape == (1, 4)
    terms = [t for x in lexical_texts(chunk) for t in document_terms(x)]
    assert sparse[0] == passage_sparse(terms, "article")
    assert sparse[0] != sparse_from_terms(terms)  # the article's own BM25 parameters
    plain = dict(zip(*passage_sparse(document_terms(chunk.embed_text), "article"), strict=True))
    boosted = dict(zip(*sparse[0], strict=True))
    assert boosted[term_index("tai_san")] > plain[term_index("tai_san")]


def test_documents_a_question_names_and_whether_the_library_holds_them() -> None:
    from troly.documents.references import named_documents, names_entry
    from troly.legal_answer import missing_law_refusal, named_laws

    def names(text: str) -> list[str]:
        return [r.name or r.target for r in named_documents(text)]

    assert names("Luật Cư trú và Luật Đất đai quy định gì?") == ["Luật Cư trú", "Luật Đất đai"]
    assert names("Theo Bộ luật Dân sự 2015, năng lực pháp luật là gì?") == ["Bộ luật Dân sự 2015"]
    assert names("Nghị định số 82/2018/NĐ-CP quy định gì?") == ["Nghị định 82/2018/NĐ-CP"]
    assert names("Theo Hiến pháp năm 2013, công dân có quyền gì?") == ["Hiến pháp"]
    # "pháp luật", "luật sư", lower-case "luật": no document named
    assert names("Luật sư có quyền gì theo pháp luật về cư trú?") == []
    assert names("luat cu tru quy dinh gi") == []
    library = [
        LibraryEntry("cu-tru", "Luật Cư trú", "68/2020/QH14"),
        LibraryEntry("hngd", "Luật Hôn nhân và gia đình", "52/2014/QH13"),
        LibraryEntry("hp", "Hiến pháp"),
    ]
    assert names_entry("Luật Cư trú năm 2020 quy định", library[0])
    assert names_entry("Luật Hôn nhân gia đình", library[1])  # "và" left out
    assert not names_entry("Luật Cư", library[0]) and not names_entry("Luật Đất đai", library[0])
    # a library title typed without accents is named too (an unknown one cannot be read)
    assert named_laws("theo luat cu tru nam 2020 thi sao", library).known == ["cu-tru"]
    found = named_laws("Theo Luật Hôn nhân gia đình, tài sản chung gồm gì?", library)
    assert (found.known, found.missing) == (["hngd"], [])
    found = named_laws("Luật số 68/2020/QH14 và Luật Trồng trọt quy định gì?", library)
    assert (found.known, found.missing) == (["cu-tru"], ["Luật Trồng trọt"])
    found = named_laws(
        "Theo Luật Du lịch về trách nhiệm quản lý nhà nước về du lịch, ủy ban có quyền gì?",
        library,
    )
    # where a name ends cannot be read; the refusal shows its first words
    assert found.missing == ["Luật Du lịch về trách nhiệm quản lý nhà nước"]
    refusal = missing_law_refusal("?", found.missing, ["Luật Cư trú", "Hiến pháp"])
    assert refusal.refused and refusal.context["missing_documents"] == ["Luật Du lịch"]
    assert "“Luật Du lịch”" in refusal.answer
    assert "Thư viện hiện có: Luật Cư trú, Hiến pháp." in refusal.answer


def test_references_of_a_tree() -> None:
    refs = references_of(_tree(), [LibraryEntry("luat-x-2020", "Luật Cư trú", "68/2020/QH14")])
    assert refs["basis"][0].target == "Hiến pháp" and refs["basis"][0].in_library is False
    assert refs["Điều 11"][0].location == "Điều 12" and refs["Điều 11"][0].doc_id == "luat-x-2020"

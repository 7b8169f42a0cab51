#!/usr/bin/env python3
"""Print issue 14's table from one harness run: hermes-front beside nginx and (when it ran) the first round's
build, all measured in the same run, with the targets. A ratio is the median of same-repeat ratios to
direct; stdio rows compare with direct WS, as the issue's target does.
Usage: compare.py RUN_DIR [--startup-ms MS] [--startup-cds-ms MS]"""
import json
import os
import statistics
import sys
from collections import defaultdict

run = sys.argv[1]


def opt(name):
    return float(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else None


startup = opt("--startup-ms")
startup_cds = opt("--startup-cds-ms")

rows = [json.loads(l) for l in open(os.path.join(run, "results.jsonl")) if l.startswith("{")]
idle = {r["target"]: r["rss_mb"] for r in rows if r.get("label") == "idle"}
rows = [r for r in rows if r.get("label") not in ("warm", "idle")]
by = defaultdict(dict)  # (label, conns, target) -> {rep: row}
for r in rows:
    by[(r["label"], r.get("conns"), r["target"])][r.get("rep")] = r
targets = {k[2] for k in by}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def val(r, path):
    for p in path:
        r = r.get(p) if isinstance(r, dict) else None
    return r


def ratio(label, conns, target, ref, path, ref_label=None):
    a, b = by.get((label, conns, target), {}), by.get((ref_label or label, conns, ref), {})
    rs = []
    for rep, ra in a.items():
        rb = b.get(rep)
        x, y = val(ra, path), val(rb, path) if rb else None
        if x is not None and y:
            rs.append(x / y)
    return med(rs)


def delta(label, conns, target, ref, path):
    a, b = by.get((label, conns, target), {}), by.get((label, conns, ref), {})
    return med([val(ra, path) - val(b[rep], path) for rep, ra in a.items() if rep in b
                and val(ra, path) is not None and val(b[rep], path) is not None])


def plain(label, conns, target, path):
    return med([val(r, path) for r in by.get((label, conns, target), {}).values()])


def kb_per_conn(label, conns, target):
    pk = plain(label, conns, target, ["rss_peak_mb"])
    return None if pk is None or target not in idle else (pk - idle[target]) * 1024 / conns


def errors(label, conns, target):
    rs = by.get((label, conns, target), {}).values()
    return sum(r.get("errors_total", 0) for r in rs) if rs else None


def f(x, nd=2, sign=False):
    return "-" if x is None else (f"{x:+.{nd}f}" if sign else f"{x:.{nd}f}")


def mark(x, good):
    return "" if x is None or good is None else (" ✓" if good(x) else " ✗")


sc = [k for k in by if k[0] == "storm"]
storm_c = sc[0][1] if sc else None
fr = ["frames_per_s"]
# name in the harness -> column; "base" is an earlier build (bench/run-gateway.sh BASE_JAR=..., its column named by BASE_LABEL)
cols = [("nginx", "nginx"), ("gateway", "hermes-front")] + ([("base", os.environ.get("BASE_LABEL", "first round"))] if "base" in targets else [])
stdio_of = {"gateway": "gateway-stdio", "base": "base-stdio", "nginx": None}


def row(what, fn, target, good_for_front=None, nd=2, sign=False):
    cells = []
    for t, _ in cols:
        v = fn(t)
        cells.append(f(v, nd, sign) + (mark(v, lambda x: good_for_front(x, fn)) if t == "gateway" and good_for_front else ""))
    return f"| {what} | " + " | ".join(cells) + f" | {target} |"


def vs_nginx(v, fn):
    n = fn("nginx")
    return n is None or v >= n


out = ["| figure | " + " | ".join(c for _, c in cols) + " | target |", "|---|" + "---:|" * len(cols) + "---|"]
for c in (1, 16, 256, 1000):
    out.append(row(f"WS relay frames/s x direct, C={c}", lambda t, c=c: ratio("ws", c, t, "direct", fr),
                   "at or above nginx's", lambda v, fn: vs_nginx(v, fn)))
d1 = plain("ws", 1, "direct", ["lat_final_ms", "p99"])
out.append(row(f"final-frame p99, C=1 (ms; direct {f(d1)})", lambda t: plain("ws", 1, t, ["lat_final_ms", "p99"]),
               "at or below nginx's", lambda v, fn: fn("nginx") is None or v <= fn("nginx")))
out.append(row("KB per connection at C=1000, WS relay", lambda t: kb_per_conn("ws", 1000, t), "<= 20",
               lambda v, fn: v <= 20, 1))
out.append(row("KB per connection at C=1000, stdio (children aside)", lambda t: kb_per_conn("stdio", 1000, stdio_of.get(t)) if stdio_of.get(t) else None,
               "<= 64", lambda v, fn: v <= 64, 1))
out.append(row("CPU µs per relayed frame, C=256", lambda t: plain("ws", 256, t, ["proxy_cpu_us_per_frame"]), "<= 5 (stretch: nginx's)",
               lambda v, fn: v <= 5))
out.append(row("SSE burst events/s x direct (C=64)", lambda t: ratio("sse-burst", 64, t, "direct", ["events_per_s"]), ">= 1.0",
               lambda v, fn: v >= 1.0))
out.append(row("SSE paced event latency − direct, p50 (ms)", lambda t: delta("sse-paced", 4, t, "direct", ["event_lat_ms", "p50"]),
               "<= +0.5", lambda v, fn: v <= 0.5, 2, True))
out.append(row("SSE paced event latency − direct, p99 (ms)", lambda t: delta("sse-paced", 4, t, "direct", ["event_lat_ms", "p99"]),
               "<= +1.0", lambda v, fn: v <= 1.0, 2, True))
out.append(row("WS connect–request–close cycles/s x direct", lambda t: ratio("storm", storm_c, t, "direct", ["cycles_per_s"]),
               ">= 0.9", lambda v, fn: v >= 0.9))
for c in (1, 16, 256, 1000):
    out.append(row(f"stdio bridge frames/s x direct WS, C={c}",
                   lambda t, c=c: ratio("stdio", c, stdio_of[t], "direct", fr, ref_label="ws") if stdio_of.get(t) else None,
                   ">= 0.9", lambda v, fn: v >= 0.9))
out.append(row("stdio bridge errors at C=1000", lambda t: errors("stdio", 1000, stdio_of[t]) if stdio_of.get(t) else None, "0",
               lambda v, fn: v == 0, 0))
out.append(f"| launch → accepting (ms), ./hermes-front (CDS archive) | - | {f(startup_cds, 0)}{mark(startup_cds, lambda v: v < 500)} |"
           + (" - |" if len(cols) > 2 else "") + " < 500 |")
out.append(f"| launch → accepting (ms), plain java -jar | - | {f(startup, 0)}{mark(startup, lambda v: v < 1000)} |"
           + (" - |" if len(cols) > 2 else "") + " < 1000 |")
errs = {t: sum(r.get("errors_total", 0) for r in rows if r["target"] in (t, stdio_of.get(t))) for t, _ in cols}
out.append("| errors, all runs | " + " | ".join(str(errs[t]) for t, _ in cols) + " | 0 |")
extra = []
for t, name in cols:
    if idle.get(t) is not None:
        extra.append(f"idle RSS {name} {idle[t]:.1f} MB" + (f" (stdio process {idle[stdio_of[t]]:.1f} MB)" if stdio_of.get(t) in idle else ""))
if extra:
    out.append("")
    out.append("; ".join(extra))
meta = os.path.join(run, "meta.txt")
if os.path.exists(meta):
    out.append("")
    out.append("```")
    out.append(open(meta).read().strip())
    out.append("```")
print("\n".join(out))

#!/usr/bin/env python3
"""Print issue 8's table from one harness run: the gateway's figures beside the anchors measured on this
machine (../shared/bench/RESULTS.md) and the targets. Ratios are medians of same-repeat ratios to direct.
Usage: compare.py RUN_DIR [--startup-ms MS]"""
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


def f(x, nd=2, suffix=""):
    return "-" if x is None else f"{x:.{nd}f}{suffix}"


def ok(x, good):
    return "" if x is None or good is None else (" ✓" if good(x) else " ✗")


def line(what, nginx, py, ours, target, good, nd=2):
    return f"| {what} | {nginx} | {py} | {f(ours, nd)}{ok(ours, good)} | {target} |"


out = ["| figure | nginx (anchor) | Python (anchor) | hermes-front (this run) | target |", "|---|---:|---:|---:|---|"]
fr = ["frames_per_s"]
anch_ws = {16: ("0.79", "0.32"), 256: ("0.82", "0.30"), 1000: ("0.85", "0.30"), 1: ("0.72", "0.44")}
for c in (1, 16, 256, 1000):
    x = ratio("ws", c, "gateway", "direct", fr)
    tgt = ">= 0.9x" if c != 1 else "(none)"
    out.append(line(f"WS relay frames/s x direct, C={c}", anch_ws[c][0], anch_ws[c][1], x, tgt,
                    (lambda v: v >= 0.9) if c != 1 else None))
out.append(line("WS relay final p99 x direct, C=1", "1.31", "1.92", ratio("ws", 1, "gateway", "direct", ["lat_final_ms", "p99"]),
                "<= 1.2x", lambda v: v <= 1.2))
out.append(line("WS relay first-event p50 − direct, C=1 (ms)", "+0.10", "+0.67",
                delta("ws", 1, "gateway", "direct", ["lat_first_ms", "p50"]), "(stretch <= +0.1)", None))
anch_st = {1: "1.45", 16: "0.75", 256: "0.71", 1000: "0.74"}
for c in (1, 16, 256, 1000):
    x = ratio("stdio", c, "gateway-stdio", "direct", fr, ref_label="ws")
    out.append(line(f"stdio bridge frames/s x direct WS, C={c}", "-", anch_st[c], x,
                    ">= 0.9x" if c in (16, 256) else "(none)", (lambda v: v >= 0.9) if c in (16, 256) else None))
for c in (16, 256, 1000):
    x = ratio("stdio", c, "gateway-stdio", "direct-stdio", fr)
    out.append(line(f"stdio bridge frames/s x direct-stdio (pipes), C={c}", "-", {16: "0.17", 256: "0.26", 1000: "0.27"}[c], x,
                    "(info)", None))
e = errors("stdio", 1000, "gateway-stdio")
out.append(f"| stdio bridge errors at C=1000 | - | 0 | {e if e is not None else '-'}{ok(e, lambda v: v == 0)} | 0 |")
out.append(line("memory KB/conn @C=1000, WS relay", "18.5", "48.6", kb_per_conn("ws", 1000, "gateway"), "<= 20", lambda v: v <= 20, 1))
out.append(line("memory KB/conn @C=1000, stdio", "-", "49.5", kb_per_conn("stdio", 1000, "gateway-stdio"), "<= 20", lambda v: v <= 20, 1))
out.append(f"| idle RSS MB, WS relay / stdio process | - | - | {f(idle.get('gateway'), 1)} / {f(idle.get('gateway-stdio'), 1)} | (info) |")
out.append(line("CPU µs per relayed frame @C=256, WS relay", "5.1", "29.4",
                plain("ws", 256, "gateway", ["proxy_cpu_us_per_frame"]), "<= 5", lambda v: v <= 5))
out.append(line("CPU µs per relayed frame @C=256, stdio", "-", "12.2",
                plain("stdio", 256, "gateway-stdio", ["proxy_cpu_us_per_frame"]), "(<= 6, RESULTS.md goal)", lambda v: v <= 6))
out.append(line("SSE paced event latency p50 − direct (ms)", "+0.10", "+0.32",
                delta("sse-paced", 4, "gateway", "direct", ["event_lat_ms", "p50"]), "<= +0.5", lambda v: v <= 0.5))
out.append(line("SSE paced event latency p99 − direct (ms)", "+0.97", "+2.82",
                delta("sse-paced", 4, "gateway", "direct", ["event_lat_ms", "p99"]), "<= +1.0", lambda v: v <= 1.0))
out.append(line("SSE burst events/s x direct", "1.07", "0.63", ratio("sse-burst", 64, "gateway", "direct", ["events_per_s"]),
                ">= 1.0x", lambda v: v >= 1.0))
sc = [k for k in by if k[0] == "storm"]
storm_c = sc[0][1] if sc else None
out.append(line("WS connect-request-close cycles/s x direct", "0.82", "0.26",
                ratio("storm", storm_c, "gateway", "direct", ["cycles_per_s"]), ">= 0.9x", lambda v: v >= 0.9))
out.append(line("stdio spawn cycles/s x direct WS storm", "-", "0.21",
                ratio("storm-stdio", storm_c, "gateway-stdio", "direct", ["cycles_per_s"], ref_label="storm"), "(info)", None))
out.append(f"| launch to accepting connections (ms), java -jar | - | - | {f(startup, 0)}{ok(startup, lambda v: v < 1000)} | < 1000 |")
out.append(f"| launch to accepting connections (ms), java -jar + CDS archive (./hermes-front) | - | - | {f(startup_cds, 0)}{ok(startup_cds, lambda v: v < 1000)} | < 1000 |")
out.append(f"| errors, all gateway runs | 0 | 0 | {sum(r.get('errors_total', 0) for r in rows if r['target'].startswith('gateway'))} | 0 |")
if any(k[2] == "py" for k in by):
    out.append("")
    out.append("Python relay in this same run (x direct): WS C=16/256/1000 " + " / ".join(
        f(ratio("ws", c, "py", "direct", fr)) for c in (16, 256, 1000)) + "; final p99 C=1 "
        + f(ratio("ws", 1, "py", "direct", ["lat_final_ms", "p99"])) + "; CPU µs/frame @256 "
        + f(plain("ws", 256, "py", ["proxy_cpu_us_per_frame"])) + "; KB/conn @1000 " + f(kb_per_conn("ws", 1000, "py"), 1)
        + "; SSE burst " + f(ratio("sse-burst", 64, "py", "direct", ["events_per_s"]))
        + "; storm " + f(ratio("storm", storm_c, "py", "direct", ["cycles_per_s"])))
if any(k[2] == "nginx" for k in by):
    out.append("")
    out.append("nginx in this same run (x direct): WS C=16/256/1000 " + " / ".join(
        f(ratio("ws", c, "nginx", "direct", fr)) for c in (16, 256, 1000)) + "; CPU µs/frame @256 "
        + f(plain("ws", 256, "nginx", ["proxy_cpu_us_per_frame"])) + "; SSE burst " + f(ratio("sse-burst", 64, "nginx", "direct", ["events_per_s"]))
        + "; storm " + f(ratio("storm", storm_c, "nginx", "direct", ["cycles_per_s"])))
meta = os.path.join(run, "meta.txt")
if os.path.exists(meta):
    out.append("")
    out.append("```")
    out.append(open(meta).read().strip())
    out.append("```")
print("\n".join(out))

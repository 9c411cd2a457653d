"""``--html FILE``: the report of a run (or of merged shards) as one self-contained page.

Everything is inline: styles, and each finding's sequence diagram as SVG drawn here from
its recorded frames. The page loads nothing, so it opens from a CI artifact offline.
"""

from __future__ import annotations

import datetime
import html
import json
from pathlib import Path

from . import findings as findings_module

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em 2em;color:#1b1f24}
h1{font-size:1.6em;margin:.2em 0} h2{border-bottom:2px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;
vertical-align:top} th{background:#f6f8fa} td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.never td{color:#8c959f} tr.profile th{background:#eaeef2}
.verdict{padding:.6em 1em;border-radius:6px;font-weight:600;margin:.8em 0}
.bad{background:#ffebe9;border:1px solid #cf222e} .warn{background:#fff8c5;border:1px solid #bf8700}
.good{background:#dafbe1;border:1px solid #1a7f37}
.finding{border:1px solid #d0d7de;border-radius:6px;padding:.5em 1em;margin:1em 0}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.85em;font-weight:600;margin-left:.5em}
.new{background:#cf222e;color:#fff} .known{background:#8c959f;color:#fff}
code,pre{font:12px ui-monospace,monospace;background:#f6f8fa;border-radius:4px}
pre{padding:.5em;overflow-x:auto} ol.steps code{white-space:pre-wrap}
.note{color:#57606a;font-style:italic}
"""


def render(summary: dict, found: list[dict], title: str = "ocpp-verify report") -> str:
    """The page for ``summary`` (a run's or a merge's) and its findings (finding files' contents)."""
    parts = [f"<h1>{_e(title)}</h1>",
             f"<p class='note'>written {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}</p>",
             _verdict(summary, found), _settings(summary), _totals(summary), _outcomes(summary),
             _coverage(summary), _requirements(summary), _findings(found)]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def write(path: Path, summary: dict, found: list[dict], title: str = "ocpp-verify report") -> None:
    findings_module.write_atomic(Path(path), render(summary, found, title))


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _verdict(summary: dict, found: list[dict]) -> str:
    new = [f for f in found if not f.get("known")]
    if new:
        return f"<div class='verdict bad' id='verdict'>{len(new)} new finding(s): {_e(', '.join(_rules(new)))}</div>"
    if found:
        return f"<div class='verdict warn' id='verdict'>{len(found)} known finding(s), nothing new</div>"
    if summary.get("interrupted"):
        return "<div class='verdict warn' id='verdict'>no findings, but the run was stopped early</div>"
    return "<div class='verdict good' id='verdict'>no findings</div>"


def _rules(found: list[dict]) -> list[str]:
    return sorted({f["violations"][0]["rule"] for f in found})


def _settings(summary: dict) -> str:
    runs = summary.get("settings") or []
    runs = [runs] if isinstance(runs, dict) else runs
    keys = [k for k in dict.fromkeys(k for run in runs for k in run)
            if any(run.get(k) not in (None, [], "") for run in runs)]  # the settings some run has
    head = "".join(f"<th>{_e(k)}</th>" for k in keys)
    rows = "".join("<tr>" + "".join(f"<td>{_e(_plain(run.get(k)))}</td>" for k in keys) + "</tr>" for run in runs)
    return f"<h2>Settings</h2><table id='settings'><tr>{head}</tr>{rows}</table>"


def _plain(value) -> str:
    if value is None:
        return ""
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _totals(summary: dict) -> str:
    rows = [("shards", summary.get("shards", 1)), ("examples", summary.get("examples")),
            ("steps", summary.get("steps")), ("seconds (all shards)", summary.get("seconds")),
            ("longest shard, s", summary.get("wallSeconds", summary.get("seconds"))),
            ("steps/s per shard", summary.get("stepsPerSecond")),
            ("stopped early by a signal", "yes" if summary.get("interrupted") else "no")]
    rows += [(f"accepted deviation: {rule}", n) for rule, n in (summary.get("accepted") or {}).items()]
    rows += [(f"recommendation not followed: {rule} ({r['section']})", r["count"])
             for rule, r in (summary.get("recommendations") or {}).items()]
    body = "".join(f"<tr><th>{_e(k)}</th><td class='n'>{_e(v)}</td></tr>" for k, v in rows)
    return f"<h2>Summary</h2><table id='summary'>{body}</table>"


def _outcomes(summary: dict) -> str:
    rows, profile = [], None
    for row in summary.get("outcomes") or []:
        if row.get("profile") != profile:
            profile = row.get("profile")
            rows.append(f"<tr class='profile'><th colspan='3'>{_e(profile)}</th></tr>")
        answers = " · ".join(f"{_e(o)} {n}" for o, n in row["outcomes"].items()) or "never ran"
        css = " class='never'" if not row["count"] else ""
        rows.append(f"<tr{css}><td>{_e(row['operation'])}</td><td class='n'>{row['count']}</td><td>{answers}</td></tr>")
    return ("<h2>Central System operations: outcomes</h2><table id='outcomes'>"
            "<tr><th>operation</th><th>count</th><th>answers</th></tr>" + "".join(rows) + "</table>")


def _coverage(summary: dict) -> str:
    coverage = summary.get("coverage")
    if not coverage:
        return ("<h2>Rule coverage</h2><p class='note' id='coverage'>Not in this summary: the runs that made "
                "it did not count the rules the model judged.</p>")
    judged = "".join(f"<tr><td>{_e(rule)}</td><td class='n'>{n}</td></tr>" for rule, n in coverage["judged"].items())
    never = ", ".join(coverage.get("neverJudged") or []) or "none"
    return (f"<h2>Rule coverage</h2><p id='coverage'>{coverage['rulesJudged']} of {coverage['rulesKnown']} rules "
            f"of the model judged ({coverage['fraction']:.0%}).</p><p>Never judged: {_e(never)}</p>"
            f"<details><summary>examples that judged each rule</summary><table><tr><th>rule</th>"
            f"<th>examples</th></tr>{judged}</table></details>")


def _requirements(summary: dict) -> str:
    register = (summary.get("coverage") or {}).get("requirements")
    if not register:
        return ("<h2>Requirement coverage</h2><p class='note' id='requirements'>Not in this summary: requirement "
                "coverage appears here once runs count the requirements of the register "
                "(properties/requirements).</p>")
    texts = _statements()
    missed = "".join(f"<tr><td>{_e(i)}</td><td>{_e(texts.get(i, ''))}</td></tr>" for i in register["missed"])
    return (f"<h2>Requirement coverage</h2><p id='requirements'>{register['reachedExercised']} of the "
            f"{register['reached']} judged requirements the state machine reaches were exercised "
            f"({register['fractionReached']:.0%}); {register['exercised']} of all {register['judged']} judged "
            f"requirements ({register['fraction']:.0%}).</p><details><summary>{len(register['missed'])} judged "
            f"requirements not exercised</summary><table><tr><th>requirement</th><th>statement</th></tr>{missed}"
            "</table></details>")


def _statements() -> dict[str, str]:
    """Requirement id -> its statement, from the register (properties/requirements)."""
    try:
        from .requirements import load_register
    except ImportError:
        return {}
    return {entry["id"]: entry.get("text", "") for entry in load_register()}


def _findings(found: list[dict]) -> str:
    if not found:
        return "<h2>Findings</h2><p id='findings'>None.</p>"
    return f"<h2>Findings ({len(found)})</h2><div id='findings'>" + "".join(map(_finding, found)) + "</div>"


def _finding(finding: dict) -> str:
    rule = finding["violations"][0]["rule"]
    badge = "<span class='badge known'>known</span>" if finding.get("known") else "<span class='badge new'>new</span>"
    violations = "".join(f"<li><b>{_e(v['rule'])}</b> ({_e(v['section'])}): {_e(v['detail'])}</li>"
                         for v in finding["violations"])
    steps = "".join(f"<li><code>{_e(json.dumps(step))}</code></li>" for step in finding["steps"])
    path = finding.get("path", "FINDING.json")
    settings = finding.get("settings") or {}
    where = ", ".join(f"{k} {v}" for k, v in settings.items()
                      if k in ("mutant", "featureProfiles", "shard", "sut") and v)
    return (f"<div class='finding' data-rule='{_e(rule)}'><h3>{_e(rule)}{badge}</h3><ul>{violations}</ul>"
            f"<p>{_e(where)}</p><h4>Steps</h4><ol class='steps'>{steps}</ol>"
            f"<h4>Sequence</h4>{sequence_svg(finding.get('frames') or [])}"
            f"<h4>Replay</h4><pre>{_e(findings_module.replay_command(finding, path))}</pre></div>")


CS_X, CP_X, WIDTH, ROW, TOP, MAX_FRAMES = 170, 720, 800, 24, 46, 400


def sequence_svg(frames: list[dict]) -> str:
    """The frames between the Central System and the charge point as an SVG sequence diagram."""
    if not frames:
        return "<p class='note'>no frames recorded for this finding</p>"
    shown = frames[:MAX_FRAMES]
    height = TOP + ROW * len(shown) + 16
    start = shown[0].get("time") or 0.0
    out = [f"<svg class='sequence' width='{WIDTH}' height='{height}' "
           f"viewBox='0 0 {WIDTH} {height}' font-family='monospace' font-size='11'>",
           "<defs><marker id='arrow' markerWidth='8' markerHeight='8' refX='8' refY='4' orient='auto'>"
           "<path d='M0,0 L8,4 L0,8 z' fill='context-stroke'/></marker></defs>"]
    for x, name in ((CS_X, "Central System"), (CP_X, "Charge Point")):
        out.append(f"<rect x='{x - 60}' y='4' width='120' height='24' rx='4' fill='#eaeef2' stroke='#57606a'/>"
                   f"<text x='{x}' y='20' text-anchor='middle' font-family='sans-serif' font-size='12'>{name}</text>"
                   f"<line x1='{x}' y1='28' x2='{x}' y2='{height}' stroke='#8c959f' stroke-dasharray='4 3'/>")
    for row, frame in enumerate(shown):
        out.append(_frame_svg(frame, TOP + ROW * row, (frame.get("time") or start) - start))
    out.append("</svg>")
    more = len(frames) - len(shown)
    return "".join(out) + (f"<p class='note'>{more} more frames not drawn</p>" if more > 0 else "")


def _frame_svg(frame: dict, y: int, elapsed: float) -> str:
    clock = f"<text x='4' y='{y + 4}' fill='#57606a'>+{elapsed:.1f}s</text>"
    if frame["direction"] == "event":
        return (clock + f"<rect x='{CS_X}' y='{y - 8}' width='{CP_X - CS_X}' height='16' fill='#fff8c5' "
                f"stroke='#bf8700'/><text x='{(CS_X + CP_X) // 2}' y='{y + 4}' text-anchor='middle'>"
                f"{_e(frame.get('error') or 'event')}</text>")
    text = findings_module._summary(frame["raw"])
    if frame.get("error"):
        text += f" [{frame['error']}]"
    color = "#cf222e" if frame.get("error") else "#0969da" if frame["direction"] == "cs->cp" else "#1a7f37"
    x1, x2 = (CS_X, CP_X) if frame["direction"] == "cs->cp" else (CP_X, CS_X)
    label = text if len(text) <= 80 else text[:79] + "…"
    return (clock + f"<g><title>{_e(text)}</title><line x1='{x1}' y1='{y + 6}' x2='{x2}' y2='{y + 6}' "
            f"stroke='{color}' stroke-width='1.5' marker-end='url(#arrow)'/>"
            f"<text x='{(CS_X + CP_X) // 2}' y='{y + 1}' text-anchor='middle' fill='{color}'>{_e(label)}</text></g>")

"""``/_segue/usage`` as one self-contained HTML page: tables and an inline SVG chart.

Nothing is fetched from elsewhere (no CDN, no script): the page works offline and behind
any content security policy. Input is the dict :func:`segue._usage_report.report` builds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

COLORS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563")
WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 32

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:52rem;padding:0 1rem;
color:#111827}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .25rem}
.muted{color:#6b7280}.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;
font-size:.8rem;background:#e5e7eb;margin-left:.4rem}.badge.deprecated{background:#fef3c7}
.badge.sunset,.badge.brownout{background:#fee2e2}
table{border-collapse:collapse;width:100%;margin-top:.5rem}
th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e5e7eb}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.9em}.legend span{margin-right:1rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:.2rem;
margin-right:.3rem;vertical-align:-1px}
svg text{font-size:11px;fill:#6b7280}
"""


def when(ms: int) -> str:
    """Epoch milliseconds as ``2026-06-01 10:23 UTC``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _date(iso: str | None) -> str:
    return iso[:10] if iso else "not set"


def chart(data: dict[str, Any]) -> str:
    """An SVG line chart: one ``polyline.series`` per version, a ``circle.point`` per hour
    with calls."""
    hours: list[int] = data["hours"]
    versions: list[dict[str, Any]] = data["versions"]
    top = max((max(v["series"], default=0) for v in versions), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(hours) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(hours) > 1 else plot_w / 2)

    def y(count: int) -> float:
        return TOP + plot_h - count / top * plot_h

    parts = [
        f'<svg id="usage-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-label="calls per hour and version" xmlns="http://www.w3.org/2000/svg">'
    ]
    for value in sorted({0, top // 2, top}):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#e5e7eb"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{value}</text>'
        )
    for i in sorted({0, len(hours) // 2, len(hours) - 1}):
        anchor = "start" if i == 0 else "end" if i == len(hours) - 1 else "middle"
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">'
            f"{escape(when(hours[i])[5:16])}</text>"
        )
    for n, version in enumerate(versions):
        color = COLORS[n % len(COLORS)]
        name = escape(version["name"])
        points = " ".join(f"{x(i):.1f},{y(c):.1f}" for i, c in enumerate(version["series"]))
        parts.append(
            f'<polyline class="series" data-version="{name}" fill="none" stroke="{color}" '
            f'stroke-width="2" points="{points}"/>'
        )
        for i, count in enumerate(version["series"]):
            if count:
                parts.append(
                    f'<circle class="point" data-version="{name}" cx="{x(i):.1f}" '
                    f'cy="{y(count):.1f}" r="3" fill="{color}"><title>{name}, '
                    f"{escape(when(hours[i]))}: {count} calls</title></circle>"
                )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{COLORS[n % len(COLORS)]}"></i>{escape(v["name"])}</span>'
        for n, v in enumerate(versions)
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _callers_table(version: dict[str, Any]) -> str:
    if not version["callers"]:
        return '<p class="muted">No calls in this window.</p>'
    rows = "".join(
        "<tr>"
        f"<td><code>{escape(c['key_prefix'] or '(no key)')}</code></td>"
        f"<td><code>{escape(c['route'])}</code></td>"
        f'<td class="n">{c["calls"]}</td><td class="n">{c["errors"]}</td>'
        f"<td>{escape(when(c['last_seen']))}</td>"
        "</tr>"
        for c in version["callers"]
    )
    head = (
        '<tr><th>Key</th><th>Route</th><th class="n">Calls</th><th class="n">Errors</th>'
        "<th>Last seen</th></tr>"
    )
    return f'<table class="callers" data-version="{escape(version["name"])}">{head}{rows}</table>'


def _old_version(version: dict[str, Any]) -> str:
    status = escape(version["status"])
    link = version["migration_url"]
    guide = f' · <a href="{escape(link)}">migration guide</a>' if link else ""
    return (
        f'<section id="version-{escape(version["name"])}">'
        f'<h2>{escape(version["name"])}<span class="badge {status}">{status}</span></h2>'
        f'<p class="muted">deprecated {_date(version["deprecated_at"])} · sunset '
        f"{_date(version['sunset_at'])}{guide}<br>{version['calls']} calls, "
        f"{version['errors']} errors, from {version['keys']} keys</p>"
        f"{_callers_table(version)}</section>"
    )


def page(data: dict[str, Any]) -> str:
    """The whole page."""
    newest = data["versions"][0]
    olds = "".join(_old_version(v) for v in data["versions"][1:])
    since = when(data["hours"][0]) if data["hours"] else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>API usage by version</title><style>{_STYLE}</style></head><body>"
        "<h1>Who still calls old versions</h1>"
        f'<p class="muted">Calls per hour since {escape(since)}; generated '
        f"{escape(when(data['generated_at']))}. {escape(newest['name'])} (newest) answered "
        f"{newest['calls']} calls.</p>"
        f"{chart(data)}{olds or '<p>There is no old version.</p>'}"
        '<p class="muted"><a href="usage.json">usage.json</a></p></body></html>'
    )

"""The migration guide as a list of blocks, rendered to Markdown or to one HTML page.

The guide is built once as plain blocks (headings, paragraphs, lists, tables, code, and
side-by-side columns) so that both formats carry exactly the same content. Inline text
knows three markups: `code` spans, **bold** and <https://…> links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_CODE_SPAN = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_AUTOLINK = re.compile(r"&lt;(https?://[^\s&]+)&gt;")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    """A table; a cell's lines (``\\n``) stay separate lines inside the cell."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Code:
    text: str
    lang: str = ""


@dataclass(frozen=True)
class Columns:
    """Blocks meant side by side (HTML); Markdown shows them one after the other."""

    columns: Sequence[tuple[str, Sequence[Block]]] = field(default_factory=tuple)


Block = Heading | Para | Bullets | Table | Code | Columns


# ------------------------------------------------------------------------------ Markdown


def markdown(blocks: Sequence[Block]) -> str:
    """GitHub-flavoured Markdown."""
    out: list[str] = []
    for block in blocks:
        out.append(_md_block(block))
    return "\n\n".join(out) + "\n"


def _md_block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Para):
        return block.text
    if isinstance(block, Bullets):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, Code):
        fence = "````" if "```" in block.text else "```"
        return f"{fence}{block.lang}\n{block.text}\n{fence}"
    if isinstance(block, Table):
        lines = [_md_row(block.header), "|" + "---|" * len(block.header)]
        lines.extend(_md_row(row) for row in block.rows)
        return "\n".join(lines)
    parts = []
    for title, inner in block.columns:
        parts.append(f"**{title}**")
        parts.extend(_md_block(b) for b in inner)
    return "\n\n".join(parts)


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", "<br>") for c in cells) + " |"


# ------------------------------------------------------------------------------ HTML

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#1d1d1f}
h1,h2,h3{line-height:1.2}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}
code{font:13px ui-monospace,monospace;background:#f4f4f5;padding:0 .2em;border-radius:3px}
pre{background:#f4f4f5;padding:.75rem;overflow:auto;border-radius:4px}pre code{padding:0}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#fafafa}
.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem}
.columns>div{min-width:0}nav ul{columns:2}
"""


def page(blocks: Sequence[Block], title: str) -> str:
    """One self-contained HTML page with a table of contents of the level-2 headings."""
    toc = [
        f'<li><a href="#{_slug(b.text)}">{_inline(b.text)}</a></li>'
        for b in blocks
        if isinstance(b, Heading) and b.level == 2
    ]
    body = "\n".join(_html_block(b) for b in blocks)
    nav = f"<nav><ul>{''.join(toc)}</ul></nav>" if toc else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{nav}\n{body}\n</body></html>\n"
    )


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        tag = f"h{block.level}"
        return f'<{tag} id="{_slug(block.text)}">{_inline(block.text)}</{tag}>'
    if isinstance(block, Para):
        return f"<p>{_inline(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block.items) + "</ul>"
    if isinstance(block, Code):
        return f"<pre><code>{html.escape(block.text)}</code></pre>"
    if isinstance(block, Table):
        head = "".join(f"<th>{_cell(c)}</th>" for c in block.header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in block.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    columns = "".join(
        f"<div><h4>{_inline(title)}</h4>{''.join(_html_block(b) for b in inner)}</div>"
        for title, inner in block.columns
    )
    return f'<div class="columns">{columns}</div>'


def _inline(text: str) -> str:
    parts = _CODE_SPAN.split(text)
    # split() alternates plain text and code-span contents.
    return "".join(
        f"<code>{html.escape(part)}</code>" if index % 2 else _plain(part)
        for index, part in enumerate(parts)
    )


def _plain(text: str) -> str:
    out = _BOLD.sub(r"<strong>\1</strong>", html.escape(text, quote=False))
    return _AUTOLINK.sub(r'<a href="\1">\1</a>', out)


def _cell(text: str) -> str:
    return "<br>".join(_inline(line) for line in text.split("\n"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")

"""The how-to examples (``docs/examples/howto/*.py``), each called as its page shows, and the
seed declarations the pages quote, checked against the services' own source."""

from __future__ import annotations

import importlib.util
import re
import textwrap
from pathlib import Path
from types import ModuleType

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = sorted((DOCS / "examples" / "howto").glob("*.py"))
QUOTE = re.compile(r'^```python title="(src/[^"]+)"\n(.*?)^```', re.M | re.S)


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"howto_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
async def test_example_answers_each_call_as_shown(path: Path) -> None:
    """Each call of the example's ``CALLS``, in order, answers the status and body shown."""
    module = _load(path)
    transport = httpx.ASGITransport(app=module.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for call in module.CALLS:
            method, url = call["call"].split(" ", 1)
            response = await client.request(method, url, json=call.get("json"))
            assert (response.status_code, response.json()) == (call["status"], call["answer"]), (
                call["call"]
            )


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_is_included_by_a_how_to_page(path: Path) -> None:
    """Every example file is shown on a how-to page (none is tested but unseen)."""
    include = f'--8<-- "docs/examples/howto/{path.name}"'
    assert any(include in page.read_text() for page in (DOCS / "how-to").glob("*.md"))


def _quotes() -> list[tuple[str, str, str]]:
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for source, block in QUOTE.findall(page.read_text()):
            found.append((page.relative_to(DOCS).as_posix(), source, block))
    return found


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in textwrap.dedent(text).strip("\n").splitlines()]


@pytest.mark.parametrize(("page", "source", "block"), _quotes())
def test_quoted_seed_code_is_in_its_source(page: str, source: str, block: str) -> None:
    """A block titled with a ``src/`` path is a verbatim excerpt of that file, indentation
    included (``...`` lines stand for lines left out), so a quote cannot drift from the
    code the apps' tests run."""
    source_lines = [line.rstrip() for line in (ROOT / source).read_text().splitlines()]
    position = 0
    for part in re.split(r"^\s*\.\.\.\s*$", textwrap.dedent(block), flags=re.M):
        wanted = _lines(part)
        if not wanted:
            continue
        position = _find(source_lines, wanted, position, f"{page} quotes {source}")


def _shape(lines: list[str]) -> list[tuple[int, str]]:
    """Each line's text and indentation relative to the first line's (a quote may start
    inside a block and end outside it)."""
    first = len(lines[0]) - len(lines[0].lstrip())
    return [(len(line) - len(line.lstrip()) - first, line.strip()) for line in lines]


def _find(haystack: list[str], needle: list[str], start: int, what: str) -> int:
    shape = _shape(needle)
    for i in range(start, len(haystack) - len(needle) + 1):
        if (
            haystack[i].strip() == needle[0].strip()
            and _shape(haystack[i : i + len(needle)]) == shape
        ):
            return i + len(needle)
    raise AssertionError(f"{what}: not found in order:\n" + "\n".join(needle))


def test_pages_quote_some_seed_code() -> None:
    """The quote check has something to check (the pages' titles still match its pattern)."""
    assert len(_quotes()) >= 10

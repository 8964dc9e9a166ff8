"""Drafting a sequence from free-form instructions, deterministically (sans-IO).

The provider drafts with an agent; this service drafts with the fixed rules below, so the
same instructions and rows always give the same steps. The rules (also in the docs):

**Steps.** Numbered lines (``1. …``, ``2) …``, ``Step 3: …``) are one step each, in order.
Without numbered lines, every channel word of the text is one step, in the order they
appear. Text without any channel word drafts one email. At most :data:`MAX_STEPS` steps.

**Channel** of a step: the first channel word of its line (a numbered line without one
is an email):

- ``linkedin_connect``: ``linkedin connect``, ``linkedin connection (request)``,
  ``connection request``;
- ``linkedin_message``: ``linkedin message``, ``linkedin dm``, ``inmail``, ``linkedin``;
- ``call``: ``phone call``, ``call``, ``phone``;
- ``email``: ``email``, ``e-mail``, ``emails``.

**Delay** before a step: ``after N days``, ``wait N days``, ``N days later`` or ``+N days``
in its line (at most 365); otherwise 0 for the first step and 3 for the others.

**Copy.** A step's *brief* is its line without the numbering and a leading channel label
(``Email:``), or, without numbered lines, the sentence holding the channel word.
``{{slug}}`` in the text is the recipient row's value of that column (an unknown slug is
left as written). The body greets the recipient (``Hi {first name},`` or ``Hi there,``)
and says the brief; a call step's body is the brief alone. An email step's subject is its
brief; a later email's subject is ``Re:`` and the first email's subject. Connection
requests have no subject and their body is cut to :data:`INVITE_NOTE_LIMIT` characters.

**Recipient** of a row: its email is the first column whose slug contains ``email``
holding an ``@``; its name the first non-empty column whose slug contains ``name`` but
not ``company``, else the first whose slug contains ``company``; the greeting uses the
first word of the person's name (not a company's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_STEPS = 10
INVITE_NOTE_LIMIT = 300
"""LinkedIn's limit on the note of a connection request, in characters."""
SUBJECT_LIMIT = 120
DEFAULT_DELAY_DAYS = 3
MAX_DELAY_DAYS = 365
CHANNELS = ("email", "linkedin_connect", "linkedin_message", "call")

_CHANNEL_WORDS = re.compile(
    r"\b(?:"
    r"(?P<linkedin_connect>linkedin\s+connect(?:ion)?(?:\s+request)?|connection\s+request)"
    r"|(?P<linkedin_message>linkedin\s+(?:message|dm)|inmail|linkedin)"
    r"|(?P<call>phone\s+call|call|phone)"
    r"|(?P<email>e-?mails?)"
    r")\b",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\s*(?:step\s+)?\d{1,3}\s*[.):-]\s*(?P<text>.*)$", re.IGNORECASE)
_DELAY = re.compile(
    r"(?:after|wait)\s+(?P<a>\d{1,6})\s+days?|(?P<b>\d{1,6})\s+days?\s+later|\+\s*(?P<c>\d{1,6})\s*days?",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^\s*[\w\s-]{0,40}?:\s*")
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+|,?\s+then\s+", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9][a-z0-9_-]*)\s*\}\}")


class DraftError(ValueError):
    """Instructions that cannot be drafted (too many steps)."""


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One step as the instructions describe it, before a recipient is known."""

    channel: str
    brief: str
    delay_days: int


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a row's sequence goes to."""

    name: str | None
    email: str | None
    first_name: str | None


@dataclass(frozen=True, slots=True)
class DraftedStep:
    """One step's copy for one recipient."""

    channel: str
    subject: str | None
    body: str
    delay_days: int


def _channel(text: str) -> str | None:
    found = _CHANNEL_WORDS.search(text)
    return None if found is None else found.lastgroup


def _delay(text: str, position: int) -> int:
    found = _DELAY.search(text)
    if found is None:
        return 0 if position == 0 else DEFAULT_DELAY_DAYS
    days = int(found["a"] or found["b"] or found["c"])
    return min(days, MAX_DELAY_DAYS)


def _brief(text: str) -> str:
    text = _DELAY.sub("", text).strip(" \t,;-")
    label = _LABEL.match(text)
    if label is not None and _channel(label.group()) is not None:
        text = text[label.end() :]
    return " ".join(text.split())


def plan_steps(instructions: str) -> list[PlannedStep]:
    """Return the steps ``instructions`` describe (see the module's rules).

    Raises:
        DraftError: more than :data:`MAX_STEPS` steps.

    Example:
        >>> [s.channel for s in plan_steps("1. Email: intro\\n2. LinkedIn connect")]
        ['email', 'linkedin_connect']
    """
    numbered = [m["text"] for line in instructions.splitlines() if (m := _NUMBERED.match(line))]
    planned: list[tuple[str, str]] = []
    if numbered:
        planned = [(_channel(text) or "email", text) for text in numbered]
    else:
        for sentence in _SENTENCES.split(instructions):
            for word in _CHANNEL_WORDS.finditer(sentence):
                assert word.lastgroup is not None
                planned.append((word.lastgroup, sentence))
        if not planned:
            planned = [("email", instructions)]
    if len(planned) > MAX_STEPS:
        raise DraftError(f"the instructions describe {len(planned)} steps; at most {MAX_STEPS}")
    return [
        PlannedStep(channel, _brief(text), _delay(text, i))
        for i, (channel, text) in enumerate(planned)
    ]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def recipient(values: Mapping[str, Any]) -> Recipient:
    """Return the recipient of a row, given its flat values in column order.

    Example:
        >>> recipient({"full-name": "Ada Lovelace", "work-email": "ada@example.com"})
        Recipient(name='Ada Lovelace', email='ada@example.com', first_name='Ada')
    """
    email = next((_text(v) for s, v in values.items() if "email" in s and "@" in _text(v)), None)
    person = next(
        (_text(v) for s, v in values.items() if "name" in s and "company" not in s and _text(v)),
        None,
    )
    company = next((_text(v) for s, v in values.items() if "company" in s and _text(v)), None)
    first = person.split()[0] if person else None
    return Recipient(person or company, email, first)


def _fill(text: str, values: Mapping[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        slug = match.group(1)
        if slug not in values:
            return match.group()
        found = values[slug]
        return found if isinstance(found, str) else "" if found is None else str(found)

    return _PLACEHOLDER.sub(value, text)


def _sentence(text: str) -> str:
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def write_steps(
    planned: list[PlannedStep], to: Recipient, values: Mapping[str, Any]
) -> list[DraftedStep]:
    """Write each planned step's copy for one recipient (``values``: the row's flat values).

    Example:
        >>> nobody = Recipient(None, None, None)
        >>> [s.subject for s in write_steps(plan_steps("email, then email"), nobody, {})]
        ['Email', 'Re: Email']
    """
    greeting = f"Hi {to.first_name}," if to.first_name else "Hi there,"
    first_subject: str | None = None
    out: list[DraftedStep] = []
    for step in planned:
        brief = _fill(step.brief, values)
        said = _sentence(brief)
        subject: str | None = None
        if step.channel == "email":
            if first_subject is None:
                first_subject = _cut(said.rstrip("."), SUBJECT_LIMIT) or "Hello"
                subject = first_subject
            else:
                subject = _cut(f"Re: {first_subject}", SUBJECT_LIMIT)
        body = said if step.channel == "call" else f"{greeting}\n\n{said}".rstrip()
        if step.channel == "linkedin_connect":
            body = _cut(body, INVITE_NOTE_LIMIT)
        out.append(DraftedStep(step.channel, subject, body, step.delay_days))
    return out

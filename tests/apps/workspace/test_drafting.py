"""The drafting rules: instructions to steps, rows to recipients, steps to copy."""

from __future__ import annotations

import pytest

from segue_apps.workspace.drafting import (
    INVITE_NOTE_LIMIT,
    DraftError,
    PlannedStep,
    Recipient,
    plan_steps,
    recipient,
    write_steps,
)

NOBODY = Recipient(None, None, None)


def _channels(text: str) -> list[str]:
    return [step.channel for step in plan_steps(text)]


def test_numbered_lines_are_steps_in_order() -> None:
    """Each numbered line is one step; its first channel word names the channel."""
    text = "Plan:\n1. Email: hello\n2) LinkedIn DM\nStep 3: phone call\n4 - a nudge"
    assert plan_steps(text) == [
        PlannedStep("email", "hello", 0),
        PlannedStep("linkedin_message", "LinkedIn DM", 3),
        PlannedStep("call", "phone call", 3),
        PlannedStep("email", "a nudge", 3),
    ]


def test_channel_words_are_steps_without_numbered_lines() -> None:
    """Unnumbered text: every channel word is a step, in the order written."""
    assert _channels("Send an email, then a connection request, then InMail.") == [
        "email",
        "linkedin_connect",
        "linkedin_message",
    ]
    assert _channels("LinkedIn connection request and a call") == ["linkedin_connect", "call"]
    assert _channels("Say hello warmly") == ["email"]


def test_delays() -> None:
    """Stated delays win; otherwise 0 for the first step and 3 after."""
    steps = plan_steps("1. email\n2. email after 7 days\n3. call 2 days later\n4. email +400 days")
    assert [s.delay_days for s in steps] == [0, 7, 2, 365]
    assert [s.brief for s in steps] == ["email", "email", "call", "email"]


def test_too_many_steps() -> None:
    """More than ten steps cannot be drafted."""
    with pytest.raises(DraftError, match="11 steps"):
        plan_steps(" ".join(["email"] * 11))


def test_recipient_of_a_row() -> None:
    """Email from an ``email`` column with an ``@``; person name before company name."""
    assert recipient(
        {"company-name": "Acme", "email": "not an address", "work-email": "a@b.c", "name": "Jo Ray"}
    ) == Recipient("Jo Ray", "a@b.c", "Jo")
    assert recipient({"company": "Acme", "name": " "}) == Recipient("Acme", None, None)
    assert recipient({}) == NOBODY


def test_copy_per_channel() -> None:
    """Emails get subjects (later ones ``Re:``), calls a bare brief, invites a capped note."""
    planned = plan_steps(
        "1. Email: intro to {{company}}\n2. Call: ask about {{unknown}}\n"
        f"3. LinkedIn connect: {'long ' * 100}\n4. email: follow up"
    )
    written = write_steps(planned, Recipient("Jo Ray", None, "Jo"), {"company": "Acme", "n": 3})
    assert [(s.channel, s.subject) for s in written] == [
        ("email", "Intro to Acme"),
        ("call", None),
        ("linkedin_connect", None),
        ("email", "Re: Intro to Acme"),
    ]
    assert written[0].body == "Hi Jo,\n\nIntro to Acme."
    assert written[1].body == "Ask about {{unknown}}."
    assert len(written[2].body) == INVITE_NOTE_LIMIT
    assert written[2].body.endswith("…")
    assert written[3].body == "Hi Jo,\n\nFollow up."


def test_same_input_same_draft() -> None:
    """Drafting is deterministic."""
    text = "Email about pricing, then a LinkedIn message after 2 days."
    values = {"name": "Ada"}
    first = write_steps(plan_steps(text), recipient(values), values)
    assert first == write_steps(plan_steps(text), recipient(values), values)
    assert first[1].delay_days == 2

"""A service's own command-line flags reach it in ``ServiceOptions.extra``, parsed."""

from __future__ import annotations

from typing import Any

import orjson
from typer.testing import CliRunner

from segue.tooling import ServiceFlag, ServiceOptions, ServiceSpec
from segue.tooling.cli import app


def _size(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("want 1 or more")
    return value


async def _echo(options: ServiceOptions) -> dict[str, Any]:
    return {"api_key": None, "extra": options.extra}


SPEC = ServiceSpec(
    "flagged",
    "sqlite+aiosqlite:///:memory:",
    lambda options: None,  # type: ignore[arg-type, return-value]
    _echo,
    bootstrap_flags=(
        ServiceFlag("batch-size", "rows per batch", _size, "N"),
        ServiceFlag("plan", "the plan", metavar="NAME"),
        ServiceFlag("loud", "say more", switch=True),
    ),
)
TARGET = f"{__name__}:SPEC"


def _bootstrap(*args: str) -> Any:
    return CliRunner().invoke(app, ["bootstrap", TARGET, *args], env={"COLUMNS": "300"})


def test_flags_reach_the_service_parsed_in_either_spelling() -> None:
    result = _bootstrap("--batch-size", "3", "--plan=pro", "--loud")
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["extra"] == {"batch_size": 3, "plan": "pro", "loud": True}


def test_flags_not_given_are_left_out() -> None:
    result = _bootstrap()
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["extra"] == {}


def test_unknown_flag_names_the_ones_the_service_takes() -> None:
    result = _bootstrap("--colour", "red")
    assert result.exit_code == 2
    assert "--colour" in result.output
    assert "--batch-size N" in result.output


def test_bad_value_is_a_usage_error_naming_the_flag() -> None:
    result = _bootstrap("--batch-size", "0")
    assert result.exit_code == 2
    assert "--batch-size: want 1 or more" in result.output
    assert _bootstrap("--batch-size").exit_code == 2
    assert _bootstrap("--loud=yes").exit_code == 2


def test_services_lists_each_services_own_flags() -> None:
    result = CliRunner().invoke(app, ["services"])
    assert result.exit_code == 0
    assert "serve --upload-ttl SECONDS" in result.output

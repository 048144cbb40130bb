"""``--verbose``: what the lookups and GitHub calls do, on stderr, safe to show anywhere.

Modules log through :data:`LOGGER` (``logger.debug``); nothing is shown unless
:func:`configure` is called. Every record is rewritten before it is printed: secrets
(any GitHub token in the environment) are replaced, control characters shown as escapes,
and the line can never be read as a workflow command, whatever outside text it quotes.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from typing import TextIO

from checker.escape import neutralise_commands, one_line

LOGGER = logging.getLogger("domain_guard")
#: Variables that may hold a GitHub token: their values never reach any output.
SECRET_VARIABLES = ("GITHUB_TOKEN", "INPUT_GITHUB-TOKEN", "INPUT_GITHUB_TOKEN", "GH_TOKEN")
_MESSAGE_LIMIT = 400


def secrets_in_environment() -> list[str]:
    """The values of :data:`SECRET_VARIABLES` that are set (4 characters or more)."""
    values = (os.environ.get(name, "").strip() for name in SECRET_VARIABLES)
    return [value for value in values if len(value) >= 4]


def scrub(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets_in_environment() if secrets is None else secrets:
        text = text.replace(secret, "***")
    return text


class _SafeLines(logging.Filter):
    """Turns each record into one scrubbed, escaped line."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        # Scrub before clipping: a token cut in two would no longer match.
        record.msg = neutralise_commands(one_line(scrub(message, self._secrets), _MESSAGE_LIMIT))
        record.args = ()
        return True


def configure(verbose: bool, stream: TextIO | None = None) -> None:
    """Show debug records on ``stream`` (stderr) when ``verbose``; otherwise nothing."""
    for handler in list(LOGGER.handlers):
        LOGGER.removeHandler(handler)
    LOGGER.propagate = False
    if not verbose:
        LOGGER.setLevel(logging.WARNING)
        LOGGER.addHandler(logging.NullHandler())
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("domain-guard: debug: %(message)s"))
    handler.addFilter(_SafeLines(secrets_in_environment()))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.DEBUG)

"""Headless Chromium for the browser tests: find it, print a page's DOM, screenshot it.

Debian's package is ``chromium`` (binary ``/usr/bin/chromium``). When it is missing the
tests skip, unless ``DOMAIN_GUARD_REQUIRE_BROWSER=1`` asks for them to fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REQUIRE_ENV = "DOMAIN_GUARD_REQUIRE_BROWSER"
TIMEOUT = 30.0
_NAMES = ("chromium", "chromium-browser")
# No first-run work, no background traffic of the browser's own, no extensions.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
)


def chromium() -> str:
    """The Chromium binary; skips the test (or fails it when required) if there is none."""
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    message = "chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}, and {REQUIRE_ENV}=1 requires the browser tests to run")
    pytest.skip(f"{message}; set {REQUIRE_ENV}=1 to make this a failure")


def _run(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(profile)}
    return subprocess.run(
        [binary, *_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )


def dump_dom(binary: str, page: Path, profile: Path, *extra: str) -> str:
    """The DOM of ``page`` after Chromium loaded it, serialised as HTML."""
    done = _run(binary, profile, *extra, "--dump-dom", page.as_uri())
    if done.returncode != 0 or "<html" not in done.stdout:
        raise AssertionError(f"chromium --dump-dom failed ({done.returncode}): {done.stderr}")
    return done.stdout


def screenshot(
    binary: str, page: Path, out: Path, profile: Path, *, size: tuple[int, int] = (1280, 2000)
) -> str:
    """Screenshot ``page`` into ``out`` (PNG) at a window of ``size``; return its DOM.

    One browser start does both where Chromium allows it (``--dump-dom`` beside
    ``--screenshot``); otherwise the DOM comes from a second run.
    """
    done = _run(
        binary,
        profile,
        f"--screenshot={out}",
        f"--window-size={size[0]},{size[1]}",
        "--dump-dom",
        page.as_uri(),
    )
    if done.returncode != 0 or not out.exists():
        raise AssertionError(f"chromium --screenshot failed ({done.returncode}): {done.stderr}")
    if "<html" in done.stdout:
        return done.stdout
    return dump_dom(binary, page, profile)

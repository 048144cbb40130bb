"""The action's Dockerfile keeps the promises that check.sh cannot see on every run.

tests/container/check.sh builds and runs the image (minutes, root, podman); these read the
Dockerfile only, so a pin, the entrypoint or the build context cannot drift unnoticed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions(name: str) -> list[str]:
    """Arguments of every instruction NAME, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [
        m.group(1).strip()
        for m in re.finditer(rf"^{name}\s+(.*)$", joined, re.MULTILINE | re.IGNORECASE)
    ]


def test_base_image_is_pinned_by_digest_and_swappable() -> None:
    (base,) = [a for a in instructions("ARG") if a.startswith("BASE_IMAGE=")]
    assert re.fullmatch(r"BASE_IMAGE=python:3\.\d+[\w.-]*-slim[\w.-]*@sha256:[0-9a-f]{64}", base)
    assert instructions("FROM") == ["${BASE_IMAGE} AS build", "${BASE_IMAGE}"]


def test_entrypoint_is_the_action_command_in_exec_form() -> None:
    (entrypoint,) = instructions("ENTRYPOINT")
    assert json.loads(entrypoint) == ["domain-guard", "action"]
    # GitHub runs container actions as root, in its own working directory.
    assert instructions("USER") == []
    assert instructions("WORKDIR") == []


def test_dependencies_are_installed_from_the_hash_pinned_lock_only() -> None:
    runs = " ".join(instructions("RUN"))
    assert "--require-hashes --only-binary=:all: -r /src/requirements/runtime.lock" in runs
    assert "--require-hashes --only-binary=:all: -r /src/requirements/build.lock" in runs
    # Our own wheel adds nothing from the index.
    assert re.search(r"install --no-deps --no-index\s+/src/dist/\*\.whl", runs)
    assert "--no-build-isolation" in runs


def test_build_context_holds_what_the_dockerfile_copies() -> None:
    kept = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    }
    copied = {
        source.rstrip("/").split("/")[0]
        for args in instructions("COPY")
        if not args.startswith("--from")
        for source in args.split()[:-1]
    }
    assert copied == kept
    assert all((ROOT / name).exists() for name in copied)

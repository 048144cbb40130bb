"""The distributions as PyPI gets them: built by `python -m build`, passing
`twine check --strict`, with the licence text and without a test suite that cannot run."""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_twine_check_strict_passes(dist: Path) -> None:
    twine = Path(sys.executable).parent / "twine"
    files = sorted(map(str, dist.iterdir()))
    done = subprocess.run([str(twine), "check", "--strict", *files], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_sdist_carries_the_licence_and_leaves_the_tests_out(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
        member = archive.extractfile(next(n for n in archive.getnames() if n.endswith("/LICENSE")))
        assert member is not None
        licence = member.read().decode()
    assert "Apache License" in licence
    assert "Version 2.0, January 2004" in licence
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "fuzz/"))]
    assert "checker/data/report.schema.json" in names


def test_wheel_metadata_names_the_licence(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(name))
        licences = [n for n in archive.namelist() if n.endswith("licenses/LICENSE")]
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert licences

"""The built wheel is a tool that runs anywhere: the ARM templates travel inside it.

The wheel is built from this tree and installed (no dependencies, no index) into a
fresh virtual environment whose only other path is the dependencies of the running
interpreter, so nothing of the source tree can be imported. From a directory outside
the repository that installed ``cmgdeploy`` then runs the README's main job on the
embedded local Azure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy of the tree (links kept as links): a build in place would leave
    # build/ and *.egg-info in the working tree.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for name in ("cmgdeploy", "mocks", "arm_templates"):
        shutil.copytree(REPO / name, src / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("cmgdeploy-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel; its dependencies come from this interpreter's
    site-packages as a plain path (that directory's .pth files, among them the editable
    install of the source tree, are not processed)."""
    root = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(root)
    python = root / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root


def test_wheel_holds_the_templates_of_the_repository(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        shipped = zf.read("cmgdeploy/arm_templates/cmg.json")
        names = set(zf.namelist())
    assert shipped == (REPO / "arm_templates" / "cmg.json").read_bytes()
    # Every data file the packages read at run time travels too.
    data = [p.relative_to(REPO).as_posix() for package in ("cmgdeploy", "mocks")
            for p in (REPO / package).rglob("*.json")]  # fmt: skip
    data += [f"cmgdeploy/arm_templates/{p.name}" for p in (REPO / "arm_templates").glob("*.json")]
    assert data and not [d for d in data if d not in names]


def test_installed_wheel_runs_the_main_job(installed: Path, tmp_path: Path) -> None:
    exe = installed / "bin" / "cmgdeploy"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "CMGDEPLOY_"))}
    env.update(CMGDEPLOY_HOME=str(tmp_path / "home"), NO_COLOR="1", PYTHONSAFEPATH="1")
    work = tmp_path / "elsewhere"
    work.mkdir()

    def cmg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), *args], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )

    where = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import cmgdeploy.services.template as t; print(t.template_dir())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout

    version = cmg("--version")
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert version.returncode == 0 and version.stdout.strip() == f"cmgdeploy {declared}"

    up = cmg(
        "-e",
        "local",
        "up",
        "--region",
        "westeurope",
        "--name",
        "wheelcmg",
        "--self-signed-cert",
        "--site-code",
        "PS1",
        "--connection-point",
        "cp1.contoso.com",
        "--management-point",
        "mp1.contoso.com",
        "--yes",
    )
    assert up.returncode == 0, up.stderr
    shown = cmg("-e", "local", "status", "--name", "wheelcmg", "-o", "json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)["data"]
    assert data["state"] == "Ready"
    assert data["fqdn"].startswith("wheelcmg.")

"""`pip install .` into a fresh virtual environment gives a working `storemon`.

The environment borrows this one's packages (a .pth line) so that the test needs
no network and takes seconds: what it checks is the project's own packaging, that
the console script, every subfolder and data file of storemon_core, and the
scripts run from an installed copy, with no path set-up of their own.
"""

from __future__ import annotations

import io
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("pyproject.toml", "requirements.txt", "README.md")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done


def _package_files(folder: Path) -> set[str]:
    return {
        str(p.relative_to(folder)) for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_pip_install_into_a_fresh_venv_gives_a_working_storemon(tmp_path: Path) -> None:
    # A copy of the project, so that the build leaves nothing in the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "storemon_core", source / "storemon_core", ignore=_SKIP)

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    purelib = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                        cwd=tmp_path).stdout.strip())
    (purelib / "borrowed-packages.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--no-cache-dir", source, cwd=tmp_path)

    storemon = venv / "bin" / "storemon"
    top = _run(storemon, "--help", cwd=tmp_path).stdout
    assert top.startswith("usage: storemon ")
    for command in ("report", "load", "sample"):
        assert command in top
    report_help = _run(storemon, "report", "--help", cwd=tmp_path).stdout
    assert "--as-of" in report_help and "--status" in report_help

    # The package came from the environment, whole: every module and data file.
    where = Path(_run(python, "-c", "import storemon_core; print(storemon_core.__file__)",
                      cwd=tmp_path).stdout.strip()).parent
    assert where == purelib / "storemon_core"
    assert _package_files(source / "storemon_core") <= _package_files(where)

    # It works end to end, and the scripts run on the installed package as they are.
    _run(storemon, "sample", "--out", tmp_path / "sample", "--stores", "5", "--days", "2",
         "--real-dir", "none", cwd=tmp_path)
    report = _run(storemon, "report", "--data-dir", tmp_path / "sample", cwd=tmp_path)
    frame = pd.read_csv(io.StringIO(report.stdout), dtype={"store_id": str})
    assert len(frame) >= 4 and frame["uptime_last_day"].notna().all()
    dbcreate = _run(python, ROOT / "scripts" / "dbcreate.py", "--help", cwd=tmp_path).stdout
    assert dbcreate.startswith("usage: dbcreate.py") and "--append" in dbcreate

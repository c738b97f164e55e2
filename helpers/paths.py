"""Where the project lives on disk (an analysis' output folder and its files: helpers/outputs.py)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
DATA_DIR: Path = PROJECT_ROOT / "data"
DOWNLOAD_CACHE: Path = DATA_DIR / "raw"
FEATURE_CACHE: Path = DATA_DIR / "interim"
SUBFOLDERS = ("data", "figures", "tables", "models")  # of an analysis' output folder (helpers.outputs)


def resolve(path: str | Path) -> Path:
    """An absolute path; a relative one is taken relative to the current working directory, as a user expects."""
    return Path(path).expanduser().resolve()

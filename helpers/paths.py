"""Where the project lives on disk, and the layout of one run's output folder."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
DATA_DIR: Path = PROJECT_ROOT / "data"
DOWNLOAD_CACHE: Path = DATA_DIR / "raw"
FEATURE_CACHE: Path = DATA_DIR / "interim"


def resolve(path: str | Path) -> Path:
    """Resolve a path given relative to the project root (not the current directory)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p).resolve()


class RunDir:
    """The folders of one analysis run: data/, figures/, tables/, models/."""

    def __init__(self, root: str | Path):
        self.root = resolve(root)

    def _sub(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def data(self) -> Path:
        """Processed tables and features written by notebooks 01 and 02."""
        return self._sub("data")

    @property
    def figures(self) -> Path:
        """PNG figures."""
        return self._sub("figures")

    @property
    def tables(self) -> Path:
        """CSV tables."""
        return self._sub("tables")

    @property
    def models(self) -> Path:
        """Saved networks, scalers and per-run weights."""
        return self._sub("models")

    def __repr__(self) -> str:
        return f"RunDir({str(self.root)!r})"

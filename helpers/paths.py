"""Where the project lives on disk, and the layout of an analysis' output folder."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
DATA_DIR: Path = PROJECT_ROOT / "data"
DOWNLOAD_CACHE: Path = DATA_DIR / "raw"
FEATURE_CACHE: Path = DATA_DIR / "interim"
SUBFOLDERS = ("data", "figures", "tables", "models")


def resolve(path: str | Path) -> Path:
    """An absolute path; a relative one is taken relative to the current working directory, as a user expects."""
    return Path(path).expanduser().resolve()


class OutputDir:
    """The output folder of one analysis: data/, figures/, tables/, models/ (reading a name creates nothing)."""

    def __init__(self, root: str | Path):
        self.root = resolve(root)

    def create(self) -> OutputDir:
        """Make the folder and its four subfolders; return self."""
        for name in SUBFOLDERS:
            (self.root / name).mkdir(parents=True, exist_ok=True)
        return self

    @property
    def data(self) -> Path:
        """Processed tables and features written by notebooks 01 and 02."""
        return self.root / "data"

    @property
    def figures(self) -> Path:
        """PNG figures."""
        return self.root / "figures"

    @property
    def tables(self) -> Path:
        """CSV tables."""
        return self.root / "tables"

    @property
    def models(self) -> Path:
        """Saved networks, scalers and the weights of every training run."""
        return self.root / "models"

    def __repr__(self) -> str:
        return f"OutputDir({str(self.root)!r})"

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


def is_analysis(folder: str | Path) -> bool:
    """A folder an analysis wrote: it holds provenance/ (the pipeline's records), models/training.json, or all of
    SUBFOLDERS."""
    folder = Path(folder)
    if not folder.is_dir():
        return False
    laid_out = all((folder / name).is_dir() for name in SUBFOLDERS)
    return laid_out or (folder / "provenance").is_dir() or (folder / "models" / "training.json").is_file()


def analysis_of(path: str | Path) -> Path | None:
    """The analysis folder that path is or lies in (the nearest), or None."""
    path = Path(path).expanduser().resolve()
    return next((folder for folder in (path, *path.parents) if is_analysis(folder)), None)


def output_folder_problem(folder: str | Path) -> str | None:
    """None for a folder an analysis may write: an analysis folder, a new folder or an empty one; otherwise what is
    wrong and what to give (the project, notebooks/, /, a home folder, a file, a folder of other files)."""
    path = Path(folder).expanduser().resolve()
    fix = "give a new folder (e.g. outputs/mine) or the folder of an analysis"
    if path.exists() and not path.is_dir():
        return f"is a file, not a folder; {fix}"
    if path == Path(path.anchor) or path == Path.home().resolve() or path in PROJECT_ROOT.parents:
        return f"is {'the root folder' if path == Path(path.anchor) else 'a home or system folder'}; {fix}"
    if path == PROJECT_ROOT or path.parent == PROJECT_ROOT and path.name != "outputs" and path.exists():
        return f"is {'the project folder' if path == PROJECT_ROOT else 'a folder of the project'}; {fix}"
    if is_analysis(path) or not path.exists() or not any(path.iterdir()):
        return None
    return f"holds files of its own and is not an analysis folder (nothing is written there); {fix}"

"""Data sources: the manifest (data/sources.json) and fetching a file by pinned URL and sha256.

A source file is looked for in the project's cache (data/raw/), then in the folder named by $BMG_DATA_MIRROR, then
downloaded from its pinned URL; a copy is used only when its sha256 matches the manifest, and is never edited.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.outputs.writer import write_atomic
from helpers.paths import DATA_DIR, DOWNLOAD_CACHE

MIRROR_ENV = "BMG_DATA_MIRROR"
MANIFEST = DATA_DIR / "sources.json"


class DataFetchError(RuntimeError):
    """A source file could not be found anywhere with the pinned sha256."""


@dataclass(frozen=True)
class Source:
    """One entry of data/sources.json."""

    name: str
    role: str
    title: str
    file: str
    mirror_dir: str
    url: str
    sha256: str
    license: str
    citation: str


def load_manifest(path: Path = MANIFEST) -> dict[str, Source]:
    """Read data/sources.json into Source records keyed by name."""
    entries = json.loads(Path(path).read_text())
    return {name: Source(name=name, **entry) for name, entry in entries.items()}


def sources_table() -> pd.DataFrame:
    """The manifest as a table for display: role, license, citation, pinned URL."""
    rows = [
        {
            "source": s.name,
            "role": s.role,
            "file": s.file,
            "license": s.license,
            "citation": s.citation,
            "sha256": s.sha256[:12] + "...",
            "url": s.url,
        }
        for s in load_manifest().values()
    ]
    return pd.DataFrame(rows).set_index("source")


def sha256_of(path: Path, zip_members: bool = False) -> str:
    """Hex sha256 of a file (the one digest of the project: downloads here, provenance records in the pipeline).

    With zip_members, a zip archive (.npz, .keras) is digested by its members' names, CRCs and sizes, so that the
    time stamps a save writes into the archive do not count; any other file by its content.
    """
    if zip_members and zipfile.is_zipfile(path):
        digest = hashlib.sha256()
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                digest.update(f"{info.filename}\0{info.CRC}\0{info.file_size}\n".encode())
        return digest.hexdigest()
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def fetch(name: str, cache_dir: Path = DOWNLOAD_CACHE, mirror: str | Path | None = None, download: bool = True) -> Path:
    """Return a verified local copy of a source: project cache, then the mirror folder, then the pinned URL."""
    src = load_manifest()[name]
    cached = Path(cache_dir) / src.mirror_dir / src.file
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV)
    looked: list[str] = []

    def accept(candidate: Path, place: str) -> bool:
        if not candidate.is_file():
            looked.append(f"{place} {candidate}: not found")
            return False
        actual = sha256_of(candidate)
        if actual != src.sha256:
            looked.append(f"{place} {candidate}: sha256 mismatch, expected {src.sha256}, actual {actual}")
            return False
        return True

    if accept(cached, "project cache"):
        return cached
    if mirror:
        found = Path(mirror) / src.mirror_dir / src.file
        if accept(found, f"mirror (${MIRROR_ENV})"):
            return _copy_into_cache(found, cached)
    else:
        looked.append(f"mirror: ${MIRROR_ENV} is not set")
    if download:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                part = Path(tmp) / src.file
                with urllib.request.urlopen(src.url, timeout=60) as response:
                    write_atomic(part, lambda p: p.write_bytes(response.read()))  # source files are small
                if accept(part, "download of"):
                    return _copy_into_cache(part, cached)
                looked[-1] = looked[-1].replace(str(part), src.url)
        except OSError as exc:
            looked.append(f"pinned URL {src.url}: {exc}")
    else:
        looked.append("pinned URL: not tried (download=False)")
    raise DataFetchError(
        f"{src.file} (source '{name}'): no copy with sha256 {src.sha256}. Looked in:\n  - " + "\n  - ".join(looked)
    )


def _copy_into_cache(found: Path, cached: Path) -> Path:
    return write_atomic(cached, lambda part: shutil.copyfile(found, part))

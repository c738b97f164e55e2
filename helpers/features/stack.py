"""The paper's matminer stack (the reference featurizer), its 156 labels and the encoding of its categorical labels."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache

import pandas as pd
from pymatgen.core import Composition, Element
from tqdm import TqdmWarning


@contextmanager
def quiet_matminer() -> Iterator[None]:
    """matminer imports tqdm.auto, which warns when ipywidgets is absent (a text bar is fine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TqdmWarning)
        yield


with quiet_matminer():
    from matminer.featurizers.base import MultipleFeaturizer
    from matminer.featurizers.composition import (
        AtomicOrbitals,
        ElementProperty,
        IonProperty,
        Stoichiometry,
        ValenceOrbital,
    )

ORBITAL_L = {"s": 0, "p": 1, "d": 2, "f": 3}
# The four AtomicOrbitals labels that are strings, and how each becomes a number.
CATEGORICAL_ENCODING = {
    "HOMO_character": "orbital angular momentum l of the HOMO (s=0, p=1, d=2, f=3)",
    "HOMO_element": "atomic number Z of the element that holds the HOMO",
    "LUMO_character": "orbital angular momentum l of the LUMO (s=0, p=1, d=2, f=3)",
    "LUMO_element": "atomic number Z of the element that holds the LUMO",
}
FEATURE_FAMILIES = {
    "ElementProperty (magpie)": "132: min, max, range, mean, avg. deviation and mode of 22 elemental properties "
    "(atomic number, Mendeleev number, weight, melting point, column, row, radius, "
    "electronegativity, valence electrons per shell, unfilled shells, GS volume, "
    "band gap, magnetic moment, space group), weighted by at.%",
    "Stoichiometry": "6: number of elements and the 0, 2, 3, 5, 7 and 10-norms of the atomic fractions",
    "ValenceOrbital": "8: average number of s, p, d, f valence electrons and their fractions",
    "IonProperty": "3: whether a charge-balanced compound is possible (fast mode), max and mean ionic character",
    "AtomicOrbitals": "7: HOMO and LUMO character, element and energy, and their gap (4 categorical, encoded)",
}
MAGPIE_STATS = ("minimum", "maximum", "range", "mean", "avg_dev", "mode")
MAGPIE_PROPERTIES = tuple(ElementProperty.from_preset("magpie").features)
STOICHIOMETRY_P = (0, 2, 3, 5, 7, 10)


def composition_featurizer() -> MultipleFeaturizer:
    """The paper's stack: ElementProperty(magpie), Stoichiometry, ValenceOrbital, IonProperty, AtomicOrbitals."""
    stack = MultipleFeaturizer(
        [
            ElementProperty.from_preset("magpie"),
            Stoichiometry(p_list=STOICHIOMETRY_P),
            ValenceOrbital(),
            IonProperty(fast=True),
            AtomicOrbitals(),
        ]
    )
    stack.set_n_jobs(1)  # a few hundred alloys: processes would cost more than they save
    return stack


def composition_feature_labels() -> list[str]:
    """The 156 composition feature labels, in order."""
    return list(_feature_labels())


@cache
def _feature_labels() -> tuple[str, ...]:
    return tuple(composition_featurizer().feature_labels())  # building the stack takes most of a second


def encode_categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn the four categorical AtomicOrbitals labels into numbers (see CATEGORICAL_ENCODING)."""
    out = frame.copy()
    for col in ("HOMO_character", "LUMO_character"):
        out[col] = out[col].map(ORBITAL_L)
    for col in ("HOMO_element", "LUMO_element"):
        out[col] = out[col].map(lambda s: Element(s).Z)
    return out.astype(float)


def matminer_features(compositions: Sequence[str], progress: bool = False) -> pd.DataFrame:
    """156 numeric features per composition (index, in the given order), computed by the matminer stack itself."""
    frame = pd.DataFrame({"composition": list(compositions)})
    frame["comp"] = [Composition(c) for c in frame["composition"]]
    stack = composition_featurizer()
    frame = stack.featurize_dataframe(frame, "comp", pbar=progress, ignore_errors=False)
    return encode_categorical(frame.set_index("composition")[stack.feature_labels()])

"""Element tables for the vectorized featurizer, read once from the data sources matminer's featurizers read."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pymatgen.core import Element

from helpers.features.stack import ORBITAL_L, magpie_properties, quiet_matminer

VALENCE_PROPERTIES = ("NsValence", "NpValence", "NdValence", "NfValence", "NValence")
ORBITAL_CAPACITY = {"s": 2, "p": 6, "d": 10, "f": 14}  # electrons MolecularOrbitals takes from each orbital


@dataclass(frozen=True)
class ElementTables:
    """Per-element data, rows in the order of ``elements``; every number comes from matminer's or pymatgen's data."""

    elements: tuple[str, ...]
    magpie: np.ndarray  # (elements, 22): ElementProperty.from_preset("magpie") properties, MagpieData(impute_nan)
    valence: np.ndarray  # (elements, 5): Ns, Np, Nd, Nf valence and NValence, as ValenceOrbital reads them
    electronegativity: np.ndarray  # (elements,): PymatgenData "X", as IonProperty reads it
    oxidation_states: tuple[tuple[int, ...], ...]  # PymatgenData common oxidation states (IonProperty, fast)
    atomic_number: np.ndarray  # (elements,) int
    orbitals: tuple[tuple[tuple[str, float], ...], ...]  # pymatgen Element.atomic_orbitals, in their dict order


@lru_cache(maxsize=64)
def element_tables(elements: tuple[str, ...]) -> ElementTables:
    """The tables for these elements (built once per element tuple and process)."""
    unknown = [el for el in elements if not Element.is_valid_symbol(el)]
    if unknown:
        raise ValueError(f"not chemical elements: {unknown}; give element symbols such as 'Fe' or 'Si'")
    magpie_data, pymatgen_data = _data_sources()
    els = [Element(el) for el in elements]
    magpie = np.array([[magpie_data.get_elemental_property(e, p) for p in magpie_properties()] for e in els], float)
    valence = np.array([[magpie_data.get_elemental_property(e, p) for p in VALENCE_PROPERTIES] for e in els], float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pymatgen warns for elements without orbital data
        orbitals = tuple(
            tuple((name, float(energy)) for name, energy in (e.atomic_orbitals or {}).items()) for e in els
        )
    return ElementTables(
        elements=tuple(elements),
        magpie=magpie.reshape(len(els), len(magpie_properties())),
        valence=valence.reshape(len(els), len(VALENCE_PROPERTIES)),
        electronegativity=np.array([pymatgen_data.get_elemental_property(e, "X") for e in els], float),
        oxidation_states=tuple(tuple(int(s) for s in pymatgen_data.get_oxidation_states(e)) for e in els),
        atomic_number=np.array([e.Z for e in els], np.int64),
        orbitals=orbitals,
    )


@lru_cache(maxsize=1)
def _data_sources() -> tuple:
    """matminer's MagpieData and PymatgenData, configured as the stack's featurizers configure them
    (impute_nan=True); matminer loads when first asked."""
    with quiet_matminer():
        from matminer.utils.data import MagpieData, PymatgenData

    return MagpieData(impute_nan=True), PymatgenData(impute_nan=True)


@dataclass(frozen=True)
class OrbitalBlocks:
    """The atomic orbitals of one set of elements, sorted by energy as MolecularOrbitals sorts them."""

    element: np.ndarray  # (blocks,) column index of the element holding each orbital
    character: np.ndarray  # (blocks,) orbital angular momentum l
    energy: np.ndarray  # (blocks,) eV
    filled_through: np.ndarray  # (blocks, elements) int: electrons the orbitals up to this one take, per atom
    has_ties: bool  # two elements have an orbital at the same energy: the order would depend on the formula


def orbital_blocks(tables: ElementTables, present: tuple[int, ...]) -> OrbitalBlocks:
    """Orbitals of the present elements (column indices), stable-sorted by energy, with cumulative capacities."""
    rows = [(i, name, energy) for i in present for name, energy in tables.orbitals[i]]
    if not rows:
        raise ValueError(f"no atomic orbital data for {[tables.elements[i] for i in present]}")
    order = sorted(range(len(rows)), key=lambda k: rows[k][2])  # stable, as MolecularOrbitals.aos_as_list
    rows = [rows[k] for k in order]
    element = np.array([r[0] for r in rows], np.int64)
    energy = np.array([r[2] for r in rows], float)
    capacity = np.zeros((len(rows), len(tables.elements)), np.int64)
    capacity[np.arange(len(rows)), element] = [ORBITAL_CAPACITY[r[1][-1]] for r in rows]
    same_energy = (np.diff(energy) == 0) & (np.diff(element) != 0)
    return OrbitalBlocks(
        element=element,
        character=np.array([ORBITAL_L[r[1][-1]] for r in rows], np.int64),
        energy=energy,
        filled_through=np.cumsum(capacity, axis=0),
        has_ties=bool(same_energy.any()),
    )

"""The 156 features of the matminer stack as array operations over an (N x elements) array of amounts.

Each statistic follows matminer 0.10 line by line (tests/test_features_equal.py holds it to 1e-9 of the reference):
* ElementProperty: weights are the amounts as given; ``mode`` is the smallest property value among the elements
  whose amount is ``np.isclose`` to the largest amount; ``avg_dev`` is the weighted mean of |value - weighted mean|.
  Minimum, maximum and the mode depend only on which elements are present (or tied for largest): computed once per
  distinct set and gathered.
* Stoichiometry: the number of elements and the p-norms of amount / total amount.
* ValenceOrbital: weighted mean s, p, d, f valence electrons, and each divided by the weighted mean NValence.
* IonProperty (fast): a compound is possible when one common oxidation state per element makes the amount-weighted
  charge ``np.isclose`` to 0 (every combination is a column of one matrix product); ionic characters from the
  Pauling electronegativities.
* AtomicOrbitals: pymatgen's MolecularOrbitals fills the energy-sorted orbitals of the integer formula with its
  electrons; the HOMO is the first orbital where the electrons the orbitals take reach the electron count, and the
  LUMO is the next orbital only when they match it exactly. Amounts on a 0.001 grid give the integer formula up to a
  factor, so the comparison is done in exact integers; other rows (and element sets with two orbitals at one energy)
  are handed to matminer's AtomicOrbitals itself.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np
from pymatgen.core import Composition

from helpers.features.stack import MAGPIE_STATS, ORBITAL_L, STOICHIOMETRY_P, quiet_matminer
from helpers.features.tables import ElementTables, OrbitalBlocks, element_tables, orbital_blocks

MODE_RTOL, MODE_ATOL = 1e-5, 1e-8  # np.isclose defaults: how PropertyStats.mode finds the largest weights
CHARGE_ATOL = 1e-8  # np.isclose(charge, 0): how IonProperty(fast=True) finds a neutral combination
AMOUNT_TOLERANCE = Composition.amount_tolerance  # pymatgen drops smaller amounts from a composition
INTEGER_SCALE = 1000  # amounts that are multiples of 1 / INTEGER_SCALE are filled in exact integers
COMBINATIONS_PER_BLOCK = 4096  # oxidation-state combinations per matrix product
CACHED_COMBINATIONS = 1 << 18  # element sets with fewer combinations keep them in memory
N_FEATURES = 156


def composition_features(elements: Sequence[str], amounts: np.ndarray, chunk_rows: int = 8192) -> np.ndarray:
    """(rows, 156) features, in composition_feature_labels() order, of an (rows, elements) array of amounts."""
    tables = element_tables(tuple(elements))
    amounts = checked_amounts(np.asarray(amounts, dtype=float), tuple(elements))
    out = np.empty((len(amounts), N_FEATURES))
    for start in range(0, len(amounts), chunk_rows):
        out[start : start + chunk_rows] = _chunk_features(tables, amounts[start : start + chunk_rows])
    return out


def checked_amounts(amounts: np.ndarray, elements: tuple[str, ...]) -> np.ndarray:
    """The amounts, absent ones (below pymatgen's tolerance) set to 0; a ValueError naming the first bad value."""
    if amounts.ndim != 2 or amounts.shape[1] != len(elements):
        raise ValueError(f"amounts must be (rows, {len(elements)}) for elements {list(elements)}, not {amounts.shape}")
    bad = ~np.isfinite(amounts) | (amounts < 0)
    empty = (amounts < AMOUNT_TOLERANCE).all(axis=1)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"row {row}, column {elements[col]}: amount {float(amounts[row, col])}; give a number >= 0")
    if empty.any():
        raise ValueError(f"row {int(np.argmax(empty))}: no element has an amount; give at least one amount > 0")
    return np.where(amounts >= AMOUNT_TOLERANCE, amounts, 0.0)


def distinct_rows(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean (rows, elements) mask, and for each row the index of its distinct row."""
    if mask.shape[1] > 62:
        sets, inverse = np.unique(mask, axis=0, return_inverse=True)
        return sets, inverse.reshape(-1)
    codes = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    return mask[first], inverse.reshape(-1)


def _rows_by_set(set_of_row: np.ndarray, n_sets: int) -> list[np.ndarray]:
    """Row indices of each distinct set, from one stable sort."""
    order = np.argsort(set_of_row, kind="stable")
    return np.split(order, np.cumsum(np.bincount(set_of_row, minlength=n_sets))[:-1])


def _chunk_features(tables: ElementTables, amounts: np.ndarray) -> np.ndarray:
    present = amounts > 0
    fractions = amounts / amounts.sum(axis=1, keepdims=True)
    sets, set_of_row = distinct_rows(present)
    return np.hstack(
        [
            _element_property(tables.magpie, amounts, fractions, present, sets, set_of_row),
            _stoichiometry(fractions, present),
            _valence_orbital(tables.valence, fractions),
            _ion_property(tables, amounts, fractions, sets, set_of_row),
            _atomic_orbitals(tables, amounts, sets, set_of_row),
        ]
    )


def _per_set(values: np.ndarray, sets: np.ndarray, set_of_row: np.ndarray, reduce) -> np.ndarray:
    """reduce(values of the elements in a set) once per distinct set, gathered back to rows."""
    return np.stack([reduce(values[members]) for members in sets])[set_of_row]


def _element_property(
    table: np.ndarray,
    amounts: np.ndarray,
    fractions: np.ndarray,
    present: np.ndarray,
    sets: np.ndarray,
    set_of_row: np.ndarray,
) -> np.ndarray:
    """ElementProperty(magpie): (rows, 22 properties x 6 statistics), property-major as matminer labels them."""
    low = _per_set(table, sets, set_of_row, lambda v: v.min(axis=0))
    high = _per_set(table, sets, set_of_row, lambda v: v.max(axis=0))
    mean = fractions @ table
    avg_dev = np.einsum("re,rep->rp", fractions, np.abs(table[None, :, :] - mean[:, None, :]))
    largest = amounts.max(axis=1, keepdims=True)
    tied = present & (np.abs(amounts - largest) <= MODE_ATOL + MODE_RTOL * largest)
    mode = _per_set(table, *distinct_rows(tied), lambda v: v.min(axis=0))
    by_stat = {"minimum": low, "maximum": high, "range": high - low, "mean": mean, "avg_dev": avg_dev, "mode": mode}
    return np.stack([by_stat[s] for s in MAGPIE_STATS], axis=2).reshape(len(amounts), -1)


def _stoichiometry(fractions: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Stoichiometry: number of elements, then the p-norms of the atomic fractions."""
    norms = [
        present.sum(axis=1).astype(float) if p == 0 else (fractions**p).sum(axis=1) ** (1.0 / p)
        for p in STOICHIOMETRY_P
    ]
    return np.column_stack(norms)


def _valence_orbital(table: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """ValenceOrbital: mean s, p, d, f valence electrons, then each as a fraction of the mean NValence."""
    mean = fractions @ table
    return np.hstack([mean[:, :4], mean[:, :4] / mean[:, 4:5]])


def _ion_property(
    tables: ElementTables, amounts: np.ndarray, fractions: np.ndarray, sets: np.ndarray, set_of_row: np.ndarray
) -> np.ndarray:
    """IonProperty(fast=True): compound possible (0/1), max and mean ionic character."""
    x = tables.electronegativity
    character = 1.0 - np.exp(-0.25 * (x[:, None] - x[None, :]) ** 2)
    possible = np.empty(len(amounts))
    max_char = np.empty(len(amounts))
    for members, rows in zip(sets, _rows_by_set(set_of_row, len(sets)), strict=True):
        idx = np.flatnonzero(members)
        single = len(idx) < 2
        max_char[rows] = 0.0 if single else character[np.ix_(idx, idx)].max()
        possible[rows] = 1.0 if single else _charge_balanced(amounts[np.ix_(rows, idx)], tables, idx)
    mean_char = ((fractions @ character) * fractions).sum(axis=1) / 2.0
    return np.column_stack([possible, max_char, mean_char])


def _charge_balanced(amounts: np.ndarray, tables: ElementTables, idx: np.ndarray) -> np.ndarray:
    """Whether some choice of one common oxidation state per element gives a charge np.isclose to 0."""
    states = tuple(tables.oxidation_states[i] for i in idx)
    small = math.prod(len(s) for s in states) <= CACHED_COMBINATIONS
    found = np.zeros(len(amounts), dtype=bool)
    for block in _cached_combinations(states) if small else _combination_blocks(states):
        found |= (np.abs(amounts @ block) <= CHARGE_ATOL).any(axis=1)
        if found.all():
            break
    return found.astype(float)


def _combination_blocks(states: tuple[tuple[int, ...], ...]) -> Iterator[np.ndarray]:
    """Every combination of one oxidation state per element, as (elements, combinations) blocks."""
    combinations = itertools.product(*states)
    while block := list(itertools.islice(combinations, COMBINATIONS_PER_BLOCK)):
        yield np.array(block, dtype=float).T.copy()


@lru_cache(maxsize=4096)
def _cached_combinations(states: tuple[tuple[int, ...], ...]) -> tuple[np.ndarray, ...]:
    return tuple(_combination_blocks(states))


@lru_cache(maxsize=4096)
def _blocks(elements: tuple[str, ...], members: tuple[int, ...]) -> OrbitalBlocks:
    return orbital_blocks(element_tables(elements), members)


def _atomic_orbitals(
    tables: ElementTables, amounts: np.ndarray, sets: np.ndarray, set_of_row: np.ndarray
) -> np.ndarray:
    """AtomicOrbitals: HOMO l, Z, energy; LUMO l, Z, energy; gap (matminer for rows that are not exact)."""
    scaled = amounts * INTEGER_SCALE
    counts = np.rint(scaled)  # whole numbers held as floats: sums below 2**53 stay exact, at BLAS speed
    exact = (np.abs(scaled - counts) <= 1e-6).all(axis=1) & (counts.sum(axis=1) < 2**40)
    out = np.empty((len(amounts), 7))
    for members, rows in zip(sets, _rows_by_set(set_of_row, len(sets)), strict=True):
        blocks = _blocks(tables.elements, tuple(np.flatnonzero(members).tolist()))
        fillable = exact[rows] & (not blocks.has_ties)
        out[rows[fillable]] = _fill(blocks, counts[rows[fillable]], tables.atomic_number)
        rest = rows[~fillable]
        if len(rest):
            out[rest] = matminer_orbitals(tables.elements, amounts[rest])
    return out


def _fill(blocks: OrbitalBlocks, counts: np.ndarray, atomic_number: np.ndarray) -> np.ndarray:
    """MolecularOrbitals.band_edges for integer atom counts, all rows of one element set at once."""
    electrons = counts @ atomic_number.astype(float)
    spare = (
        counts @ blocks.filled_through.T.astype(float) - electrons[:, None]
    )  # capacity through each orbital - electrons
    homo = np.argmax(spare >= 0, axis=1)
    lumo = homo + (spare[np.arange(len(counts)), homo] == 0)
    if (lumo >= len(blocks.energy)).any():
        raise ValueError("a composition fills every atomic orbital: it has no LUMO (matminer fails there too)")
    z = atomic_number[blocks.element]
    energy = blocks.energy
    return np.column_stack(
        [
            blocks.character[homo],
            z[homo],
            energy[homo],
            blocks.character[lumo],
            z[lumo],
            energy[lumo],
            energy[lumo] - energy[homo],
        ]
    ).astype(float)


def matminer_orbitals(elements: Sequence[str], amounts: np.ndarray) -> np.ndarray:
    """AtomicOrbitals features of matminer itself, encoded as numbers, for rows the integer filling cannot take."""
    with quiet_matminer():
        from matminer.featurizers.composition import AtomicOrbitals
    from pymatgen.core import Element

    featurizer = AtomicOrbitals()
    rows = []
    for row in amounts:
        values = featurizer.featurize(Composition(dict(zip(elements, row, strict=True))))
        homo_l, homo_el, homo_e, lumo_l, lumo_el, lumo_e, gap = values
        rows.append([ORBITAL_L[homo_l], Element(homo_el).Z, homo_e, ORBITAL_L[lumo_l], Element(lumo_el).Z, lumo_e, gap])
    return np.array(rows, dtype=float).reshape(len(amounts), 7)

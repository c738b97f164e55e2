"""One scoring path: predict, the screen and the per-network predictions give the same numbers on real data."""

import numpy as np
import pandas as pd
import pytest

from helpers import formulas, scoring
from helpers.domain import element_amounts


def _real_rows(out_dir) -> pd.DataFrame:
    from helpers.outputs import OutputDir

    out = OutputDir(out_dir)
    return pd.concat([out.read_table("dataset"), out.read_table("case_study_rows")], ignore_index=True)


def test_predict_gives_each_networks_own_prediction_and_the_calibrated_interval(tiny_run):
    """The stacked forward pass equals each network on its own, on every measured alloy of the real data."""
    from helpers.features import build_features
    from helpers.modeling.files import DEFAULT_MODELS, load_saved_models
    from helpers.predict import predict_table

    saved = load_saved_models(tiny_run, DEFAULT_MODELS)
    table = _real_rows(tiny_run)
    result = predict_table(table, saved=saved, cache_dir=None)
    X, _, _ = build_features(table, spec=saved.spec, cache_dir=None, progress=False)
    per_run = saved.ensemble.per_network(X)
    assert list(result.columns) == scoring.OUTPUT_COLUMNS and (result["status"] == "ok").all()
    np.testing.assert_array_equal(result["bs_ensemble"], per_run.mean(axis=0))
    np.testing.assert_array_equal(result["ensemble_std"], per_run.std(axis=0))
    for name, net in saved.selected.items():
        np.testing.assert_array_equal(result[f"bs_{name.lower().replace(' ', '_')}"], net.predict_features(X))
    difficulty = saved.calibration.difficulty(saved.ensemble.scaler.x(X), per_run.std(axis=0))
    bounds = saved.calibration.interval(per_run.mean(axis=0), difficulty, 0.9, annealed=table["annealed"].to_numpy())
    np.testing.assert_array_equal(result[["bs_lower", "bs_upper"]].to_numpy(), bounds)
    flags = saved.domain.check(table, difficulty)
    assert result["in_domain"].tolist() == flags["in_domain"].tolist() == (flags["domain_notes"] == "inside").tolist()
    assert not result["in_domain"].all() and result["in_domain"].any()  # both sides occur on the real data


def test_the_screen_scores_a_table_as_predict_does(tiny_run):
    """The screen's path (features from amounts, constant features folded) on the real alloys: predict's flags,
    notes and status, numbers to 1e-6 T."""
    from helpers import screening
    from helpers.modeling.files import DEFAULT_MODELS, load_saved_models
    from helpers.predict import predict_table

    table = _real_rows(tiny_run)
    mine = screening.score_table(table, tiny_run)[0]
    reference = predict_table(table, saved=load_saved_models(tiny_run, DEFAULT_MODELS), cache_dir=None)
    numbers = [c for c in reference.columns if reference[c].dtype.kind == "f"]
    np.testing.assert_allclose(mine[numbers], reference[numbers], rtol=0, atol=1e-6)
    texts = [c for c in reference.columns if c not in numbers]
    pd.testing.assert_frame_equal(mine[texts].reset_index(drop=True), reference[texts].reset_index(drop=True))


def test_domain_notes_and_flag_come_from_the_same_masks():
    from helpers.domain import Domain

    domain = Domain({"Fe": 70.0, "B": 5.0}, {"Fe": 85.0, "B": 20.0}, 100, 10, 0.2)
    table = pd.DataFrame({"composition": ["Fe80B20", "Fe90B10", "Fe80B10Co10", "Fe80B20"], "annealed": [1, 1, 1, 0]})
    amounts = element_amounts(table["composition"])
    difficulty = np.array([0.1, 0.1, 0.3, 0.1])
    notes = domain.notes(amounts, table["annealed"].to_numpy(bool), difficulty)
    assert notes[0] == "inside"
    assert notes[1] == "Fe 90 at.% above training maximum 85"
    assert notes[2].startswith("element(s) Co absent from training; ") and "hard to predict" in notes[2]
    assert notes[3] == "as-quenched: 10 training rows"
    assert domain.inside(amounts, table["annealed"].to_numpy(bool), difficulty).tolist() == [True, False, False, False]


@pytest.mark.parametrize("formula", ["Fe73.5Si13.5B9Nb3Cu1", "Fe80B20.9", "Fe2O3", "Fe79.9995B20.0005"])
def test_one_at_percent_rule(formula):
    elements, amounts = formulas.parse_amounts([formula])
    by_rows = dict(zip(elements, formulas.percent_rows(amounts)[0], strict=True))
    assert formulas.atomic_percent(formula) == by_rows == element_amounts(pd.Series([formula])).iloc[0].to_dict()


def test_a_canonical_formula_reads_back_as_pymatgen_reads_it():
    """canonical_formula remembers the amounts of the text it writes: they are pymatgen's own reading of that text."""
    from pymatgen.core import Composition

    rng = np.random.default_rng(0)
    for row in rng.dirichlet([4, 3, 2, 1, 0.5, 0.3], size=300) * 100:
        text = formulas.canonical_formula(dict(zip(["Fe", "B", "Si", "P", "Nb", "Cu"], row, strict=True)))
        assert list(formulas.element_amounts_of(text).items()) == list(Composition(text).get_el_amt_dict().items())


def test_rounding_a_table_equals_rounding_each_composition_in_any_order():
    """The checks round a whole table at once (rounded_percent_rows); each row is what rounded_percent gives that
    composition alone, whatever the order its elements are written in, and sums to exactly 100.000 at.%."""
    rng = np.random.default_rng(1)
    elements = ["B", "Cu", "Fe", "Nb", "P", "Si"]  # alphabetical, as the table's columns
    amounts = rng.dirichlet([0.5, 0.3, 4, 1, 2, 3], size=2000) * rng.uniform(60, 140, size=(2000, 1))
    amounts[rng.random(amounts.shape) < 0.2] = 0.0
    amounts[:, 2] += 1.0  # Fe in every row
    table = formulas.rounded_percent_rows(amounts)
    assert (np.round(table.sum(axis=1) * 1000) == 100_000).all() and (table[amounts == 0] == 0).all()
    for row, shown in zip(amounts, table, strict=True):
        written = [(el, v) for el, v in zip(elements, row, strict=True) if v > 0]
        for order in (written, written[::-1]):
            assert formulas.rounded_percent(dict(order)) == {el: shown[elements.index(el)] for el, _ in order}


def test_a_rounding_tie_goes_to_the_first_element_alphabetically_not_to_float_noise():
    """Fe50.0005B49.9995: both lose half a unit of 0.001 at.%, one unit is left, B gets it in either order."""
    for written in ({"Fe": 50.0005, "B": 49.9995}, {"B": 49.9995, "Fe": 50.0005}):
        assert formulas.rounded_percent(written) == {"Fe": 50.0, "B": 50.0}
        assert formulas.canonical_formula(written) == "Fe50B50"

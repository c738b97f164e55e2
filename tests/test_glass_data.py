"""The glass-formation data: both sources read through the formula checks, the Fe-based melt-spun rows kept, and
one label per composition by the stated rule."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.features import featurize_where_defined
from helpers.glass import data as glass_data


@pytest.fixture(scope="module")
def sources() -> list[glass_data.GlassReports]:
    return glass_data.load_glass_sources()


def test_both_sources_give_reports_of_every_family_with_both_labels(sources):
    by_name = {s.name: s for s in sources}
    ward, dmref = by_name["ward2018"], by_name["dmref"]
    assert ward.rows_read == 8415 and dmref.rows_read == 10252
    for s in sources:
        assert set(s.reports["glass"]) == {0, 1}
        assert (s.reports["fe_at_pct"] < glass_data.MIN_FE_AT_PCT).sum() > 1000  # other families are kept
    # DMREF: 1,129 Fe-based melt-spun rows (858 AM, 191 CR, 79 AC, 1 mixed); every one is kept or reported
    fe = dmref.reports[dmref.reports["fe_at_pct"] >= glass_data.MIN_FE_AT_PCT]
    assert len(fe) == 1129 and fe["glass"].sum() == 858
    fe = ward.reports[ward.reports["fe_at_pct"] >= glass_data.MIN_FE_AT_PCT]
    assert fe["glass"].sum() > 800 and (fe["glass"] == 0).sum() > 250
    excluded = dmref.bad_rows.loc[dmref.bad_rows["action"] == "excluded", "source_row"]
    assert not dmref.reports["source_row"].isin(excluded).any()


def test_a_bad_row_is_reported_with_file_row_column_value_and_reason(sources):
    ward = next(s for s in sources if s.name == "ward2018")
    bad = ward.bad_rows.set_index("source_row")
    assert bad.loc[7712, "value"] == "Mo52Cr14Fel4P12B8"  # a typed 'l' for '1': unknown element Fel
    assert "unknown element" in bad.loc[7712, "reason"] and bad.loc[7712, "action"] == "excluded"
    assert bad.loc[7712, "column"] == "composition" and "ward-metallic-glasses" in bad.loc[7712, "file"]
    dmref = next(s for s in sources if s.name == "dmref")
    other = dmref.bad_rows[dmref.bad_rows["value"] == "OT"]
    assert len(other) and (other["column"] == "Is_Amorphous?").all()
    assert not set(other["source_row"]) & set(dmref.reports["source_row"])


def test_dmref_codes_and_labels():
    assert glass_data.dmref_codes("['AM' 'CR']") == {"AM", "CR"}
    assert glass_data.dmref_label({"AM"}) == 1
    assert glass_data.dmref_label({"AM", "AC"}) == 0  # amorphous + crystalline is no glass
    assert glass_data.dmref_label({"CR"}) == 0
    assert pd.isna(glass_data.dmref_label({"OT"})) and pd.isna(glass_data.dmref_label(set()))


def test_one_crystalline_report_makes_a_composition_not_a_glass():
    reports = pd.DataFrame(
        {
            "composition": ["Fe80B20", "Fe80B20", "Fe80B20", "Fe75Si10B15", "Fe88B12"],
            "fe_at_pct": [80.0, 80.0, 80.0, 75.0, 88.0],
            "source": ["ward2018", "dmref", "dmref", "dmref", "ward2018"],
            "glass": [1, 1, 0, 1, 0],
        }
    )
    labelled = glass_data.label_compositions(reports).set_index("composition")
    assert labelled.loc["Fe80B20", "label"] == 0 and labelled.loc["Fe80B20", "conflicting"]
    assert labelled.loc["Fe80B20", "n_reports"] == 3 and labelled.loc["Fe80B20", "source"] == "dmref+ward2018"
    assert labelled.loc["Fe75Si10B15", "label"] == 1 and not labelled.loc["Fe75Si10B15", "conflicting"]
    assert labelled.loc["Fe88B12", "label"] == 0 and labelled.loc["Fe75Si10B15", "chemical_system"] == "B-Fe-Si"


def test_the_labelled_real_data(sources):
    every_family = glass_data.label_compositions(glass_data.all_reports(sources))
    labelled = glass_data.fe_based(every_family)
    assert labelled["composition"].is_unique and len(labelled) > 1100
    assert (labelled["fe_at_pct"] >= glass_data.MIN_FE_AT_PCT).all()
    assert len(every_family) > 5 * len(labelled)
    assert 0.6 < labelled["label"].mean() < 0.85
    assert labelled["conflicting"].sum() >= 1
    assert set(labelled.loc[labelled["conflicting"], "label"]) == {0}


def test_a_composition_without_features_is_reported_not_dropped_silently(sources):
    every_family = glass_data.label_compositions(glass_data.all_reports(sources))
    ca_mg_zn = every_family[every_family["chemical_system"] == "Ca-Mg-Zn"]["composition"].tolist()
    features, featureless = featurize_where_defined([*ca_mg_zn, "Fe80B20"])
    assert "Fe80B20" in features.index and "no LUMO" in featureless["Ca55Mg25Zn20"]
    assert set(features.index) | set(featureless) == {*ca_mg_zn, "Fe80B20"}
    bad = glass_data.all_bad_rows(sources, featureless)
    lines = bad[bad["reason"].str.startswith("composition features undefined")]
    assert set(lines["value"]) == set(featureless) and (lines["action"] == "excluded").all()
    assert "ward-metallic-glasses" in lines["file"].iloc[0] and lines["column"].iloc[0] == "composition"
    kept = glass_data.without(every_family, featureless)
    assert len(kept) == len(every_family) - len(featureless)

"""The pooled rows of the Bs sources: 01's dataset and the other source that 02 reads, with their features.

The other source is 02's ``case_study_source`` (the second public Bs source by default). Its rows whose alloy is one
of 02's case-study alloys are marked ``case_study``: they may be predicted (as test rows), but no model of notebook
07 is ever trained, stopped early, calibrated or selected on them, so the case study of 05 and the retrospective of
09 stay untouched by the deployed models. Rows of one alloy that appear in both sources are kept from both (each
source's measurement counts); an alloy's rows always stay on one side of every split (grouped by composition).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.outputs import OutputDir

POOL_COLUMNS = ["composition", "bs_tesla", "anneal_temp_K", "anneal_time_s", "annealed", "fe_at_pct", "source"]


@dataclass
class Pool:
    """Rows of every source (index 0..n-1; columns POOL_COLUMNS and ``case_study``) and their features."""

    table: pd.DataFrame
    X: pd.DataFrame

    @property
    def trainable(self) -> pd.Index:
        """The rows a model of 07 may learn from: every row but the case-study alloys', in table order."""
        return self.table.index[~self.table["case_study"].to_numpy(bool)]

    @property
    def sources(self) -> list[str]:
        """The sources of the pool, in order of appearance."""
        return list(dict.fromkeys(self.table["source"]))

    def counts(self) -> pd.DataFrame:
        """Rows, alloys and as-quenched rows per source, trainable or case study."""
        use = self.table["case_study"].map({False: "trainable", True: "case study (test only)"})
        frame = self.table.assign(rows=use, as_quenched=~self.table["annealed"].astype(bool))
        counts = frame.groupby(["source", "rows"], sort=False).agg(
            rows_n=("composition", "size"), alloys=("composition", "nunique"), as_quenched=("as_quenched", "sum")
        )
        return counts.rename(columns={"rows_n": "rows"})


def build_pool(out: OutputDir, pool_sources: bool = True) -> Pool:
    """01's dataset (and, with ``pool_sources``, 02's other source, its case-study alloys marked) with features."""
    from helpers import data
    from helpers.features import FeatureSpec, build_features

    table = out.read_table("dataset", index_col="row_id")
    spec = FeatureSpec.from_json(out.path("feature_spec"))
    tables, frames = [table.assign(case_study=False)], [out.read_parquet("features").loc[table.index, spec.columns]]
    if pool_sources:
        chosen = out.read_json("split_parameters")
        other = data.load_dataset(chosen["case_study_source"]).table
        cases = out.read_table("case_study_rows", index_col="row_id")
        tables.append(other.assign(case_study=other["composition"].isin(set(cases["composition"]))))
        frames.append(build_features(other, spec=spec, progress=False)[0][spec.columns])
    pooled = pd.concat([t.reindex(columns=[*POOL_COLUMNS, "case_study"]) for t in tables], ignore_index=True)
    pooled["annealed"] = pooled["annealed"].astype(bool)
    pooled["case_study"] = pooled["case_study"].astype(bool)
    return Pool(pooled, pd.concat(frames, ignore_index=True))

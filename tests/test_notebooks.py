"""Every notebook runs top to bottom under papermill (tiny parameters) and writes what it promises."""
import pandas as pd
import pytest

from conftest import run_notebook

pytestmark = pytest.mark.slow


def test_01_featurize_runs_and_writes_the_processed_data(tmp_path):
    run_notebook("01_featurize.ipynb", tmp_path)
    table = pd.read_csv(tmp_path / "data" / "dataset.csv", index_col="row_id")
    X = pd.read_parquet(tmp_path / "data" / "features.parquet")
    assert len(table) == 327 and X.shape == (327, 159)
    assert (tmp_path / "tables" / "bad_rows.csv").is_file()
    assert (tmp_path / "figures" / "01_bs_distribution.png").stat().st_size > 10_000

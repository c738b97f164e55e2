"""One word per meaning: "validation" is the row checks of helpers/validation.py, nothing else.

The early-stopping carve of a training run is the *early-stopping* share (``stopping_fraction``, its rows the
early-stopping alloys); 06's split that chooses the R2-best and F1-best runs is the *selection* alloys. Keras names
its early-stopping rows ``validation_data`` (scored ``validation_batch_size`` at a time) and their loss
``val_loss``: those API names are the only exceptions.
"""

import re

from helpers.paths import PROJECT_ROOT

SCANNED = [
    "helpers/**/*.py",
    "helpers/**/*.j2",
    "notebooks/*.py",
    "tests/*.py",
    "benchmarks/*.py",
    "docs/*.md",
    "README.md",
    "*.sh",
]
ROW_CHECKS = (  # "validation" meaning the row checks: the module, its report and its error
    "helpers.validation",
    "helpers/validation.py",
    "validation.py",
    "validation report",
    "DataValidationError",
    "`validation`",
    "*validation*",
)
ALLOWED = (
    "validation_data=",  # Keras' argument for the early-stopping rows
    "validation_batch_size",  # Keras' argument: how many of them one step scores
    '"val_loss"',  # Keras' history key of their loss
    "cross-validation",  # K-fold cross-validation, a compound of its own (07, 08)
    "CROSS_VALIDATION",  # the same, as a constant (07)
    "PYDEVD_DISABLE_FILE_VALIDATION",  # an environment variable of the Jupyter debugger
    '"val_fraction"',  # the old parameter name, kept only for a hint and for models saved before the rename
    "-p val_fraction",
)
WORD = re.compile(r"validation|\bval_", re.IGNORECASE)


def _hits() -> list[str]:
    found = []
    for pattern in SCANNED:
        for path in sorted(PROJECT_ROOT.glob(pattern)):
            if path.name in ("validation.py", "test_words.py") or ".venv" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                rest = line
                for phrase in (*ROW_CHECKS, *ALLOWED):
                    rest = rest.replace(phrase, "")
                rest = re.sub(r"\bvalidation\.|^from helpers import .*\bvalidation\b", "", rest)  # the module
                if WORD.search(rest):
                    found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    return found


def test_validation_means_only_the_row_checks():
    """An early-stopping or selection split called "validation" (or ``val_``) is named by its own word instead."""
    hits = _hits()
    assert not hits, "\n".join(hits)


def test_06_writes_the_selection_alloys_into_the_protocols_table():
    from helpers.evaluation import PROTOCOLS

    assert PROTOCOLS["honest"] == "honest: select on selection alloys, report on test"


def test_models_saved_before_the_rename_still_load_their_configuration():
    from helpers.modeling.network import TrainConfig

    assert TrainConfig.from_dict({"val_fraction": 0.3, "patience": 5}) == TrainConfig(stopping_fraction=0.3, patience=5)

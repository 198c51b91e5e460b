from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT.parent / "shared" / "seed"
SEED = SEED_DIR / "000_068d420221ed75d6.txt"


@pytest.fixture(scope="session")
def seed_path():
    if not SEED.exists():
        pytest.skip(f"the seed report is not here ({SEED_DIR})")
    return SEED


@pytest.fixture(scope="session")
def nlp():
    from pipeline.model.nlp import build_nlp
    return build_nlp()


@pytest.fixture(scope="session")
def model():
    from pipeline import load_model
    return load_model()


JOINT = """Fernhollow: joint inspection of safeguarding and of looked after children's services

Date of Inspection\t3rd May 2011 - 13th May 2011
Commissioning PCT\tNHS Fernhollow

Overall effectiveness of the safeguarding services\tGood
Being Healthy\tAdequate

Context

Fernhollow is a small unitary council with 40,000 children.

1. General – leadership and management

1.1 Leadership of safeguarding across the health economy is strong. The board receives regular reports.

2. Outcome 9 Management of medicines

2.1 Medicines were stored safely. However, two MAR charts had gaps that had not been explained.

2.2 We looked at six MAR charts on the ward.

Recommendations

Within 3 months of publication

NHS Fernhollow should act to:

- review the recording of medicines on the children's ward.
- ensure that all staff complete level 3 safeguarding training.

Next steps

An action plan is required within 20 working days.
"""


@pytest.fixture
def joint_file(tmp_path):
    p = tmp_path / "fernhollow.txt"
    p.write_text(JOINT, encoding="utf-8")
    return p

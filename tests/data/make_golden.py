"""Regenerate the golden outputs used by tests/test_golden.py.

Run only when a *deliberate* change of the model's behaviour is made (recalibration, a new
mechanism), never to make a failing optimisation pass:  .venv/bin/python tests/data/make_golden.py
"""

from pathlib import Path

import trustsim

HERE = Path(__file__).parent
CASES = {
    "golden_teaching_full_chain.csv": {"scenario": "full-chain", "world": "teaching", "scale": 1.0},
    "golden_state_integrated.csv": {
        "scenario": "integrated-esv-digg",
        "world": "state",
        "scale": 0.02,
    },
    "golden_state_scandal.csv": {"scenario": "scandal-shock", "world": "state", "scale": 0.02},
    # municipalities, regions, their leaderships and SKR (0.2)
    "golden_public_sector_trust_steering.csv": {
        "scenario": "trust-based-steering",
        "world": "public-sector",
        "scale": 0.01,
    },
}
YEARS, SEED = 8, 20261127


def golden_frame(scenario: str, world: str, scale: float):
    return trustsim.run(scenario, world=world, scale=scale, years=YEARS, seed=SEED)


if __name__ == "__main__":
    for name, case in CASES.items():
        golden_frame(**case).to_csv(HERE / name, float_format="%.17g")
        print("wrote", name)

"""Secondary patterns S1–S3: published Nordic survey findings that were *not* used to set any
parameter, so they are independent checks of the calibrated baseline (state 1:20, defaults).

S1 "Most innovations are taken up from elsewhere". COI, Innovationsbarometer (Denmark) 2018–2019:
   "72 % af de offentlige innovationer er enten inspireret af andres løsninger eller kopieret fra
   andre" (n = 1 877; innovationsbarometer.coi.dk/genbrug-og-del). Model: `adopted_share`, the
   share of a quarter's innovations that are adoptions of neighbours' innovations, is above one
   half in the baseline (measured 0.607, sd 0.007; it counts only copies, not own solutions
   inspired by others, so it should lie below 0.72).
S2 "Larger work sites innovate more often". KS, Innovasjonsbarometeret 2018 (Norway): "andelen som
   har innført én eller flere innovasjoner stiger med antall ansatte i virksomheten" (a Statskontoret
   2018 sentence cited here until 0.2.3 could not be read in its source and was removed). Model:
   from `TrustModel.site_table()`, the share of work sites innovating in two years is higher for
   sites of >= 30 staff than for sites of <= 15 staff, paired by replication (measured 0.80 vs
   0.48, gap +0.32, sd 0.045; the small sites are those of agencies with fewer than 16 staff).
   Much of this is mechanical - more people have more ideas and more collaborators to adopt
   from - as it plausibly is in the surveys; the counter-example is saturation.
S3 "One in four non-innovating work sites is developing one". COI (Denmark) 2018–2019: "En ud af
   fire arbejdspladser, der ikke har indført en innovation, har arbejdet med udvikling af
   innovation" (n = 394; 23 % answered don't know). Model: `sites_developing_share`, the share of
   work sites without an innovation in two years that have an experiment under way. Band
   [0.15, 0.48]: the survey's 25 % is a lower bound if every don't-know was not developing, and
   0.25 + 0.23 = 0.48 the upper bound if every don't-know was; below, 0.15 leaves two survey
   standard errors (n = 394: 2.2 points) plus the model's stricter definition (an experiment
   running in the quarter, not "worked on development" over two years).

Each has a counter-example inside the parameter ranges.
"""

import numpy as np
import pytest

import trustsim

from ..support.runs import SCALE, WORLD, ci95, parallel, replicate, reported, seeds

N_SEEDS, YEARS = 16, 10
SMALL_SITE, LARGE_SITE = 15, 30  # staff
SITE_SAMPLES = range(8, 41, 8)  # quarters at which site tables are read (every two years)


@pytest.fixture(scope="module")
def runs():
    cases = [
        ("baseline-control", {}),
        ("baseline-control", {"diffusion_rate": 0.5}),  # in range [0, 5]
        ("baseline-control", {"experiment_quarters": 12.0}),  # in range [1, 12]
    ]
    base, slow_diffusion, long_experiments = replicate(cases, N_SEEDS, YEARS)
    return {"base": base, "slow_diffusion": slow_diffusion, "long": long_experiments}


def test_s1_most_innovations_are_adopted_from_elsewhere(runs):
    adopted = ci95(reported(runs["base"], "adopted_share"))
    assert adopted.low > 0.5, adopted


def test_s1_fails_when_diffusion_is_slow(runs):
    # one eighth of the default diffusion rate: most innovations are home-grown (measured 0.19)
    adopted = ci95(reported(runs["slow_diffusion"], "adopted_share"))
    assert adopted.high < 0.4, adopted


def test_s3_one_in_four_idle_work_sites_is_developing(runs):
    developing = ci95(reported(runs["base"], "sites_developing_share"))
    assert 0.15 < developing.low and developing.high < 0.48, developing


def test_s3_fails_when_experiments_last_three_years(runs):
    # experiments of 12 quarters: most idle sites have one under way (measured 0.70)
    developing = ci95(reported(runs["long"], "sites_developing_share", start=21))
    assert developing.low > 0.48, developing


def site_shares(args) -> tuple[float, float]:
    """Share of small and of large work sites innovating in two years, averaged over the site
    tables read every two years of a 10-year run (weighted by the real sites each stands for)."""
    seed, overrides = args
    model = trustsim.TrustModel(world=WORLD, scale=SCALE, rng=seed, params=overrides)
    tables = []
    for quarter in range(1, 4 * YEARS + 1):
        model.step()
        if quarter in SITE_SAMPLES:
            tables.append(model.site_table())
    staff, weight = tables[0]["staff"].to_numpy(), tables[0]["weight"].to_numpy()
    innovated = np.mean([t["innovated_2y"].to_numpy() for t in tables], axis=0)
    small, large = staff <= SMALL_SITE, staff >= LARGE_SITE
    return (
        float(np.average(innovated[small], weights=weight[small])),
        float(np.average(innovated[large], weights=weight[large])),
    )


def small_vs_large(overrides: dict) -> np.ndarray:
    return np.array(parallel(site_shares, [(s, overrides) for s in seeds(N_SEEDS)]))


def test_s2_larger_work_sites_innovate_more_often():
    shares = small_vs_large({})
    gap = ci95(shares[:, 1] - shares[:, 0])  # large minus small, paired by replication
    assert gap.low > 0.15, (gap, shares.mean(axis=0))  # measured +0.32 (sd 0.045)


def test_s2_fails_when_every_site_innovates():
    # plentiful ideas and light steering: nearly every site innovates within two years whatever
    # its size (measured gap 0.006), so size no longer tells sites apart
    shares = small_vs_large({"idea_rate": 10.0, "steering_detail": 0.1, "reporting_demands": 0.1})
    gap = ci95(shares[:, 1] - shares[:, 0])
    assert gap.high < 0.05, (gap, shares.mean(axis=0))

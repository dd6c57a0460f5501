"""Verification of P5, the chain as a whole (C10–C13): true by construction.

Claim (C13): RUM + experimentation (dispensation) + funding + method support together do more than
the sum of their separate effects.
Why this is verification: the complementarity is written into the rules as AND-conditions, so the
synergy follows from them rather than emerging:
  * a rule-blocked idea needs the dispensation route, and without dedicated funding agencies use
    only `unfunded_dispensation_use` (0.3) of it (dispensation x funding);
  * a cross-agency idea needs RUM, and a cross-agency idea that also hits rules needs RUM *and*
    dispensation (RUM x dispensation);
  * a national experiment modernises rules only with a dispensation route, and only with
    `relevance_without_rum` (0.4) of its effect unless RUM chooses the challenges
    (funding x dispensation x RUM);
  * method support raises the success of every experiment, so it multiplies the others.
The test checks that these conditions produce a positive interaction in the innovation rate, and
that RUM hands cross-agency issues on (resolved issues exist only with RUM, C10/C12).

Measured (offsets 0–5000): whole − base ≈ 1.4 x the sum of the separate effects.
"""

from ..support.runs import ci95, final, replicate

PARTS = {
    "rum": {"rum": True},
    "dispensation": {"dispensation": True},
    "funding": {"experimentation_funding_msek": 30.0},
    "method": {"method_support": 0.5},
}
N_SEEDS, YEARS = 16, 12


def test_chain_is_more_than_the_sum_of_its_parts():
    chain = {k: v for part in PARTS.values() for k, v in part.items()}
    cases = [("baseline-control", {})] + [("baseline-control", ov) for ov in PARTS.values()]
    cases.append(("baseline-control", chain))
    runs = replicate(cases, N_SEEDS, YEARS)
    rates = [final(frames, "innovation_rate") for frames in runs]
    base, parts, whole = rates[0], rates[1:-1], rates[-1]
    separate = sum(p - base for p in parts)  # per replication, paired
    synergy = ci95((whole - base) - separate)
    assert synergy.low > 0, synergy
    assert (whole - base).mean() > 1.1 * separate.mean() > 0, (
        (whole - base).mean(),
        separate.mean(),
    )


def test_rum_hands_issues_on_to_experimentation():
    """C10, C12: with RUM in the chain, cross-agency issues get resolved and the national
    experiments target the rules that block most (fewer rule-blocked ideas than without RUM)."""
    names = ["baseline-control", "experimentation", "full-chain"]
    base, exp, full = replicate([(n, {}) for n in names], 12, YEARS)
    assert final(base, "cross_agency_resolved").max() == 0
    assert final(full, "cross_agency_resolved").min() > 0
    blocked = ci95(final(exp, "rule_blocked_ideas") - final(full, "rule_blocked_ideas"))
    assert blocked.low > 0, blocked
    gain_full = ci95(final(full, "innovation_rate") - final(base, "innovation_rate"))
    assert gain_full.low > 0.3 * final(base, "innovation_rate").mean(), gain_full

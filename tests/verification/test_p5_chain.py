"""P5 the chain as a whole (C10–C13): RUM + experimentation (dispensation) + funding + method support
together do more than the sum of their separate effects."""

from .helpers import ci95, final, replicate

PARTS = {
    "rum": {"rum": True},
    "dispensation": {"dispensation": True},
    "funding": {"experimentation_funding_msek": 30.0},
    "method": {"method_support": 0.5},
}


def test_chain_is_more_than_the_sum_of_its_parts():
    chain = {k: v for part in PARTS.values() for k, v in part.items()}
    cases = [("baseline-control", {})] + [("baseline-control", ov) for ov in PARTS.values()]
    cases.append(("baseline-control", chain))
    runs = replicate(cases, range(16), years=12, scale=0.1)
    rates = [final(frames, "innovation_rate", quarters=8) for frames in runs]
    base, parts, whole = rates[0], rates[1:-1], rates[-1]
    separate = sum(p - base for p in parts)  # per replication, paired
    synergy = ci95((whole - base) - separate)
    assert synergy.low > 0, synergy
    assert (whole - base).mean() > 1.5 * separate.mean(), ((whole - base).mean(), separate.mean())


def test_rum_hands_issues_on_to_experimentation():
    """C10, C12: with RUM in the chain, cross-agency issues get resolved and the national
    experiments target the rules that block most (fewer rule-blocked ideas than without RUM)."""
    names = ["baseline-control", "experimentation", "full-chain"]
    base, exp, full = replicate([(n, {}) for n in names], range(12), years=12)
    assert final(base, "cross_agency_resolved").max() == 0
    assert final(full, "cross_agency_resolved").min() > 0
    blocked = ci95(final(exp, "rule_blocked_ideas", 8) - final(full, "rule_blocked_ideas", 8))
    assert blocked.low > 0, blocked
    gain_full = ci95(final(full, "innovation_rate", 8) - final(base, "innovation_rate", 8))
    assert gain_full.low > 0.3 * final(base, "innovation_rate", 8).mean(), gain_full

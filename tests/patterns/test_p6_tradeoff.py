"""P6 trade-off (C14): more autonomy brings more failed experiments; in a high-risk sector without
safeguards a control-based regime has fewer incidents."""

from .helpers import ci95, final, replicate

HIGH_RISK = {"sector_risk": 0.9, "method_support": 0.0}


def test_control_has_fewer_incidents_in_high_risk_without_safeguards():
    cases = [("baseline-control", HIGH_RISK), ("integrated-esv-digg", HIGH_RISK)]
    control, trust = replicate(cases, range(8), years=10)
    assert ci95(final(trust, "trust_orientation") - final(control, "trust_orientation")).low > 0.2
    incidents = ci95(final(trust, "incident_rate") - final(control, "incident_rate"))
    assert incidents.low > 0.3 * final(control, "incident_rate").mean(), incidents
    failed = ci95(final(trust, "experiments_failed") - final(control, "experiments_failed"))
    assert failed.low > 0, failed


def test_safeguards_shrink_the_incident_cost_of_trust():
    """When trust works: with method support the extra incidents per extra innovation fall."""
    def excess(extra):
        cases = [("baseline-control", {**HIGH_RISK, **extra}), ("integrated-esv-digg", {**HIGH_RISK, **extra})]
        control, trust = replicate(cases, range(6), years=10)
        d_inc = final(trust, "incident_rate") - final(control, "incident_rate")
        d_inn = final(trust, "innovation_rate") - final(control, "innovation_rate")
        return d_inc.mean() / d_inn.mean()

    unsafe = excess({})
    safe = excess({"method_support": 1.0})
    assert safe < 0.6 * unsafe, (safe, unsafe)

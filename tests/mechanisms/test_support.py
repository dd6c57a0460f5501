"""ODD §7.2 Support by domain: `SupportBody.deliver`, the support memory, `_reporting_load` and the
digital competence programme.

Signatures: a body reaches only organisations in its remit (AgV and ESV the state's agencies, SKR
municipalities and regions, DIGG all), a share reach / 4 of them per quarter, with a signal
|2 alignment - 1| · mix · legitimacy per domain, toward trust above alignment 0.5 and toward control
below; the memory keeps `support_memory` of last quarter's signal; the net budget- and digital-domain
signal lowers (trust) or raises (control) reporting by `support_reporting_effect`; the digital
programme trains a share reach / 4 of staff and managers by gain · (1 - competence).
"""

import numpy as np
import pytest

from tests.mechanisms.helpers import binomial_margin, set_kinds, small
from trustsim.model.agents import DOMAIN_MIX, SupportBody, support_bodies

KINDS = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])


def _deliver(body, m):
    trust, control = np.zeros((m.n_agencies, 3)), np.zeros((m.n_agencies, 3))
    body.deliver(trust, control, np.random.default_rng(3))
    return trust, control


@pytest.mark.parametrize(
    "short,remit", [("AgV", (0,)), ("ESV", (0,)), ("DIGG", (0, 1, 2)), ("SKR", (1, 2))]
)
def test_a_body_reaches_only_its_remit_with_direction_mix_and_legitimacy(short, remit):
    m = small(
        legitimacy_own_domain=0.9,
        legitimacy_other_domain=0.3,
        legitimacy_esv_budget=0.8,
        legitimacy_agv_budget=0.2,
        legitimacy_digg_budget=0.6,
    )
    set_kinds(m, KINDS)
    own = {"AgV": 0, "ESV": 1, "DIGG": 2, "SKR": 0}[short]
    legitimacy = np.full(3, 0.3)
    legitimacy[own] = 0.9
    legitimacy[1] = {"AgV": 0.2, "ESV": 0.8, "DIGG": 0.6, "SKR": 0.3}[short]
    in_remit = np.isin(KINDS, remit)
    expected = np.outer(in_remit, np.array(DOMAIN_MIX[short]) * legitimacy)
    toward_trust = SupportBody(m, short, 0.9, 4.0)  # reach / 4 = 1: every organisation in remit
    trust, control = _deliver(toward_trust, m)
    assert trust == pytest.approx(0.8 * expected) and not control.any()
    toward_control = SupportBody(m, short, 0.25, 4.0)
    trust, control = _deliver(toward_control, m)
    assert control == pytest.approx(0.5 * expected) and not trust.any()
    neutral = SupportBody(m, short, 0.5, 4.0)
    assert not any(a.any() for a in _deliver(neutral, m))


def test_a_body_reaches_a_quarter_of_its_yearly_reach_each_quarter():
    m = small("state")
    body = SupportBody(m, "ESV", 1.0, 0.8)
    reached = 0
    for seed in range(20):
        trust = np.zeros((m.n_agencies, 3))
        body.deliver(trust, np.zeros_like(trust), np.random.default_rng(seed))
        reached += (trust[:, 1] > 0).sum()
    n = 20 * m.n_agencies
    assert reached / n == pytest.approx(0.2, abs=binomial_margin(0.2, n))


def test_the_support_memory_keeps_its_share_of_last_quarters_signal():
    # default alignments are 0.2: every body sends control signals, none sends trust
    m = small("state", support_memory=0.7)
    m.trust_signal[:] = 1.0
    m.control_signal[:] = 0.0
    m.step()
    assert m.trust_signal == pytest.approx(0.7 * np.ones_like(m.trust_signal))
    m.step()
    assert m.trust_signal == pytest.approx(0.49 * np.ones_like(m.trust_signal))


@pytest.mark.parametrize("effect", [0.3, 0.8])
def test_budget_and_digital_support_change_reporting_demands(effect):
    m = small(support_reporting_effect=effect)
    m.reporting[:] = 0.5
    m.trust_signal[:] = 0.0
    m.control_signal[:] = 0.0
    m.trust_signal[:, 0] = 5.0  # leadership support does not change reporting
    assert m._reporting_load() == pytest.approx(0.5)
    m.trust_signal[:5, 1] = 0.2  # budget
    m.trust_signal[:5, 2] = 0.2  # digital
    m.control_signal[5:, 1] = 3.0  # net clipped at -1
    load = m._reporting_load()
    assert load[:5] == pytest.approx(0.5 * (1 - effect * 0.4))
    assert load[5:] == pytest.approx(min(1.0, 0.5 * (1 + effect)))


def test_reporting_relief_reaches_the_admin_load():
    m = small(
        support_reporting_effect=0.5, admin_base=0.1, admin_per_reporting=0.4, trust_shielding=0.0
    )
    m.reporting[:] = 0.5
    m.trust_signal[:] = 0.0
    m.control_signal[:] = 0.0
    m.trust_signal[:, 1] = 1.0 / 0.7  # one unit of net budget support after the memory's decay
    m.p = m.p.replace(agv_alignment=0.5, esv_alignment=0.5, digg_alignment=0.5)
    m._init_actors()  # neutral bodies: nothing new delivered
    m._quarter(first=True)
    assert m.wp_admin == pytest.approx(0.1 + 0.4 * 0.5 * (1 - 0.5))


def test_the_digital_programme_trains_staff_and_managers():
    kw = {"turnover": 0.0, "manager_turnover": 0.0, "digital_programme_gain": 0.2}
    m = small("state", **kw)
    d_staff, d_mgr = m.staff.digital.copy(), m.mgr_digital.copy()
    skill = m.staff.skill.copy()
    m.p = m.p.replace(digital_programme_reach=1.0)
    m.step()
    for before, after in ((d_staff, m.staff.digital), (d_mgr, m.mgr_digital)):
        hit = after != before
        n = len(before)
        assert hit.mean() == pytest.approx(0.25, abs=binomial_margin(0.25, n))
        assert after[hit] == pytest.approx(before[hit] + 0.2 * (1 - before[hit]))
    trained = m.staff.digital != d_staff
    assert (m.staff.skill[trained] > skill[trained]).all()
    assert m.staff.skill == pytest.approx(0.6 * m.staff.competence + 0.4 * m.staff.digital)


def test_each_body_takes_its_own_alignment_and_reach():
    levels = {"agv": (0.15, 0.3), "esv": (0.35, 0.5), "digg": (0.65, 0.7), "skr": (0.85, 0.9)}
    params = {}
    for short, (alignment, reach) in levels.items():
        params[f"{short}_alignment"], params[f"{short}_reach"] = alignment, reach
    m = small(**params)
    set_kinds(m, KINDS)  # municipalities and regions: SKR is among the bodies
    bodies = {body.short: body for body in support_bodies(m)}
    assert sorted(bodies) == ["AgV", "DIGG", "ESV", "SKR"]
    for short, (alignment, reach) in levels.items():
        body = bodies[{"agv": "AgV", "esv": "ESV", "digg": "DIGG", "skr": "SKR"}[short]]
        assert (body.alignment, body.reach) == (alignment, reach), short
    assert "SKR" not in {body.short for body in support_bodies(small(**params))}  # state only


def test_the_digital_programme_draws_from_its_own_stream():
    # common random numbers: who is trained in a quarter is the stream "digital" of that quarter
    # (staff first, then managers), whatever the support bodies drew before it
    m = small("state", turnover=0.0, manager_turnover=0.0, digital_programme_gain=0.2)
    m.p = m.p.replace(digital_programme_reach=1.0, agv_alignment=0.9, agv_reach=1.0)
    m._init_actors()
    d_staff, d_mgr = m.staff.digital.copy(), m.mgr_digital.copy()
    m.step()
    draws = m.stream("digital")
    staff_hit = draws.random(m.n_staff) < 0.25
    mgr_hit = draws.random(m.n_workplaces) < 0.25
    np.testing.assert_array_equal(m.staff.digital != d_staff, staff_hit)
    np.testing.assert_array_equal(m.mgr_digital != d_mgr, mgr_hit)

"""P3 fragmentation (C4–C6): "Arbetsgivarverket only" gains clearly less than support integrated
across AgV, ESV and DIGG."""

from .helpers import ci95, final, replicate


def test_agv_only_gains_clearly_less_than_integrated():
    names = ["baseline-control", "agv-only", "integrated-esv-digg"]
    runs = replicate([(n, {}) for n in names], range(8), years=10)
    for column in ("trust_orientation", "innovation_rate", "experimentation_culture"):
        base, agv, integrated = (final(frames, column) for frames in runs)
        gain_agv = ci95(agv - base)
        gain_integrated = ci95(integrated - base)
        assert gain_integrated.low > 0, (column, gain_integrated)
        # AgV alone achieves less than a third of the integrated gain
        assert gain_agv.high < gain_integrated.mean / 3, (column, gain_agv, gain_integrated)


def test_non_aligned_support_blunts_agv():
    """C6: AgV's trust support does far less while ESV and DIGG keep sending control signals than
    when they are silent (alignment 0.5) - the fragmentation is not solved by AgV alone."""
    silent = {"esv_alignment": 0.5, "digg_alignment": 0.5}
    cases = [("baseline-control", {}), ("agv-only", {}), ("agv-only", silent)]
    base, fragmented, unopposed = (
        final(f, "trust_orientation") for f in replicate(cases, range(12), years=8)
    )
    gap = ci95(unopposed - fragmented)
    assert gap.low > 0.03, gap
    # unopposed, AgV's support moves managers at least twice as much as when contradicted
    assert (unopposed - base).mean() > 2 * (fragmented - base).mean() > 0

"""The charts the browser draws: options built from the runs (`trustsim.app.webcharts`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from solara.server import settings as server_settings

from trustsim.app.charts import CHARTS, COLOURS, CULTURE_REFERENCE, SCANDAL_COLOUR
from trustsim.app.i18n import LANGS, t
from trustsim.app.session import Setup, Workshop
from trustsim.app.webcharts import (
    ECHARTS_FILE,
    GHOST_COLOUR,
    chart_note,
    chart_option,
    chart_options,
    legend_items,
    option_json,
)

SMALL = {"world": "state", "scale": 0.01}


@pytest.fixture(scope="module")
def hit():
    """Same reform in A and B, a scandal pressed in A after six quarters, then a lever moved."""
    ws = Workshop(Setup(scenario="integrated-esv-digg", compare="integrated-esv-digg", **SMALL))
    ws.step(6)
    ws.scandal()
    ws.step(6)
    ws.change(ws.setup.with_lever("steering_detail", 0.3))
    ws.set_band(True)
    return ws


def options_of(ws: Workshop, lang: str = "en") -> dict[str, dict]:
    labels = {"A": "A: hit", "B": "B: not hit"}
    return chart_options(ws.frames(), labels, ws.scandal_quarters(), lang, ws.ghosts, ws.bands())


def test_echarts_ships_with_solara_assets_so_the_page_needs_no_internet():
    """The file the page loads is in the installed solara-assets, which Solara serves itself."""
    local = Path(server_settings.assets.proxy_cache_dir) / ECHARTS_FILE
    assert local.is_file() and local.stat().st_size > 500_000, local


def test_every_chart_has_both_runs_the_ghost_the_band_and_the_scandal(hit):
    options = options_of(hit)
    assert list(options) == list(CHARTS)
    for option in options.values():
        by_name = {s["name"]: s for s in option["series"]}
        assert by_name["A: hit"]["lineStyle"]["color"] == COLOURS["A"]
        assert by_name["B: not hit"]["lineStyle"]["type"] == "dashed"
        ghost = by_name[t("chart.ghost", "en")]
        assert ghost["lineStyle"]["color"] == GHOST_COLOUR and ghost["lineStyle"]["opacity"] < 1
        for run in ("A", "B"):
            band = by_name[t("chart.band", "en", run=run, seeds=5)]
            assert band["type"] == "custom" and band["ts_band"]
            assert band["itemStyle"]["opacity"] < 0.5
        assert not any("stack" in s for s in option["series"])  # a stack adds the x values
        marks = [s for s in option["series"] if s["name"] == t("chart.scandal", "en")]
        assert marks[0]["markLine"]["data"] == [{"xAxis": 7 / 4}]
        assert marks[0]["markLine"]["lineStyle"]["color"] == SCANDAL_COLOUR
        assert option["animation"] is False


def test_run_lines_are_the_model_outputs_and_flows_show_the_annual_mean(hit):
    options = options_of(hit)
    frames = hit.frames()
    culture = {s["name"]: s for s in options["experimentation_culture"]["series"]}["A: hit"]
    expected = frames["A"]["experimentation_culture"].round(4)
    assert [y for _, y in culture["data"]] == expected.tolist()
    assert [x for x, _ in culture["data"]] == (expected.index / 4).tolist()
    innovation = {s["name"]: s for s in options["innovation_rate"]["series"]}["A: hit"]
    annual = frames["A"]["innovation_rate"].iloc[1:].rolling(4, min_periods=1).mean()
    np.testing.assert_allclose([y for _, y in innovation["data"]], annual, atol=1e-4)
    assert innovation["markPoint"]["data"][0]["coord"] == innovation["data"][-1]


def test_axes_are_fixed_and_readable(hit):
    options = options_of(hit)
    for name in ("experimentation_culture", "trust_orientation", "steering_detail"):
        assert (options[name]["yAxis"]["min"], options[name]["yAxis"]["max"]) == (0, 1)
    for option in options.values():
        assert option["xAxis"]["max"] == 10  # ten years shown until the run goes beyond
        assert option["xAxis"]["axisLabel"]["fontSize"] >= 12
        top = max(max((row[-1] for row in s["data"]), default=0) for s in option["series"])
        assert option["yAxis"]["max"] >= top


@pytest.mark.parametrize("lang", LANGS)
def test_culture_chart_has_the_one_fifth_line_in_the_page_language(lang, hit):
    option = options_of(hit, lang)["experimentation_culture"]
    (reference,) = [s for s in option["series"] if s["name"] == t("chart.reference", lang)]
    assert reference["markLine"]["data"] == [{"yAxis": CULTURE_REFERENCE}]
    assert option["xAxis"]["name"] == t("chart.year", lang)
    # named under the unit (a dashed key), not by a label lying over the plot's lines
    assert reference["markLine"]["label"]["show"] is False
    assert chart_note("experimentation_culture", lang) == t("chart.reference", lang)
    assert chart_note("innovation_rate", lang) == ""


def test_option_is_plain_json_and_small(hit):
    text = option_json(
        chart_option(
            "innovation_rate", hit.frames(), {"A": "A", "B": "B"}, {"A": [], "B": []}, "sv"
        )
    )
    assert json.loads(text)["series"]
    assert len(text) < 40_000  # 13 quarters of two runs: a few kB per chart


def test_png_legend_lists_runs_ghost_and_scandal():
    items = legend_items({"A": "A: x", "B": "B: y"}, "sv", ghosts=1, scandal=True)
    assert [i["text"] for i in items] == [
        "A: x",
        "B: y",
        t("chart.ghost", "sv"),
        t("chart.scandal", "sv"),
    ]
    assert legend_items({"A": "A: x"}, "en", ghosts=0, scandal=False) == [
        {"text": "A: x", "color": COLOURS["A"], "dash": "solid"}
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_band_spans_the_runs_years_and_lies_around_the_lines(hit, lang):
    """Issue 25.2: the band ran to twice the current year and filled from the axis to the top."""
    options = options_of(hit, lang)
    bands = hit.bands()
    for name, option in options.items():
        by_name = {s["name"]: s for s in option["series"]}
        for run, label in (("A", "A: hit"), ("B", "B: not hit")):
            line = by_name[label]["data"]
            rows = by_name[t("chart.band", lang, run=run, seeds=5)]["data"]
            assert [r[0] for r in rows] == [x for x, _ in line]  # same years, no doubling
            for (x, y), (bx, low, high) in zip(line, rows):
                assert low - 1e-9 <= y <= high + 1e-9, (name, run, x, low, y, high)
            assert max(h - lo for _, lo, h in rows) > 0  # the seeds differ
            low_edge = by_name[t("chart.band_low", lang, run=run)]["data"]
            high_edge = by_name[t("chart.band_high", lang, run=run)]["data"]
            assert [y for _, y in low_edge] == [r[1] for r in rows]
            assert [y for _, y in high_edge] == [r[2] for r in rows]  # the edge, not the width
        if name in ("experimentation_culture", "trust_orientation", "steering_detail"):
            assert option["yAxis"]["max"] == 1.0
        band_top = max(float(bands[r].high[name].max()) for r in bands)
        assert option["yAxis"]["max"] >= band_top


@pytest.mark.parametrize("world", ["state", "teaching"])
def test_the_band_switched_on_at_quarter_zero_draws_without_error(world):
    """Issue 25.1: at quarter 0 a flow has no values yet; nanmax of an empty array crashed."""
    setup = Setup(scenario="baseline-control", world=world, scale=0.01)
    ws = Workshop(setup)
    ws.set_band(True)
    options = options_of(ws)
    for option in options.values():
        option_json(option)  # plain JSON, no NaN
    ws.step(1)
    options_of(ws)
    ws.reset()
    assert ws.band_on and ws.quarter == 0
    options_of(ws)

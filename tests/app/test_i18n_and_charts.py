"""Swedish and English strings, and the matplotlib figures of the page."""

from __future__ import annotations

import io
import re
import string

import numpy as np
import pytest
from PIL import Image

from trustsim.app.charts import CHARTS, CULTURE_REFERENCE, network_figure, timeseries_figure
from trustsim.app.i18n import (
    LANG_ENV,
    LANGS,
    MissingString,
    count,
    default_lang,
    number,
    strings,
    t,
)
from trustsim.app.session import LEVERS, Setup, Workshop
from trustsim.cli import app as app_cli
from trustsim.model.model import OUTPUTS

INFO_SECTIONS = ("what", "how", "use", "notice", "try", "credits")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_string_exists_in_both_languages_with_the_same_fields():
    for key, by_lang in strings().items():
        assert set(by_lang) == set(LANGS), key
        assert all(text.strip() for text in by_lang.values()), key
        assert fields(by_lang["en"]) == fields(by_lang["sv"]), key


def test_swedish_and_english_differ_where_words_are_shown():
    same = [k for k, v in strings().items() if v["en"] == v["sv"]]
    assert set(same) <= {"card.export"}, same  # "Export" is the same word in Swedish


def test_every_lever_chart_and_info_section_has_text():
    keys = set(strings())
    for lever in LEVERS:
        assert {f"lever.{lever.name}.label", f"lever.{lever.name}.help"} <= keys
    for name in CHARTS:
        assert name in OUTPUTS
        assert {f"chart.{name}.title", f"chart.{name}.unit"} <= keys
    for section in INFO_SECTIONS:
        assert {f"info.{section}.title", f"info.{section}.body"} <= keys


def test_missing_string_names_key_and_language():
    with pytest.raises(MissingString, match="'fr'.*'btn.step'"):
        t("btn.step", "fr")


def test_numbers_are_written_the_local_way():
    assert number(2.25, "sv") == "2,25" and number(2.25, "en") == "2.25"
    assert number(30.0, "sv", 0) == "30" and number(0.5, "en") == "0.5"
    assert count(13532, "en") == "13,532" and count(13532, "sv") == "13\u00a0532"


def test_cli_offers_the_same_languages_as_the_page():
    assert set(app_cli.LANGS) == set(LANGS)


@pytest.fixture(scope="module")
def hit_and_counterfactual() -> Workshop:
    ws = Workshop(
        Setup(
            scenario="integrated-esv-digg", compare="integrated-esv-digg", world="state", scale=0.01
        )
    )
    ws.step(6)
    ws.scandal()
    ws.step(6)
    return ws


def png_pixels(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


@pytest.mark.parametrize("lang", LANGS)
def test_timeseries_figure_titles_follow_the_language(lang, hit_and_counterfactual):
    ws = hit_and_counterfactual
    labels = {"A": "A: hit", "B": "B: not hit"}
    fig = timeseries_figure(ws.frames(), labels, ws.scandal_quarters(), lang)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == [t(f"chart.{name}.title", lang) for name in CHARTS]
    assert all(ax.get_xlabel() == t("chart.year", lang) for ax in fig.axes)
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend[:3] == ["A: hit", "B: not hit", t("chart.scandal", lang)]


def test_culture_chart_has_the_one_fifth_reference_line(hit_and_counterfactual):
    ws = hit_and_counterfactual
    fig = timeseries_figure(ws.frames(), {"A": "A", "B": "B"}, ws.scandal_quarters(), "en")
    culture = fig.axes[CHARTS.index("experimentation_culture")]
    flat = [line for line in culture.get_lines() if np.ptp(line.get_ydata()) == 0]
    assert any(np.allclose(line.get_ydata(), CULTURE_REFERENCE) for line in flat)
    scandal_lines = [
        line
        for line in culture.get_lines()
        if np.ptp(line.get_xdata()) == 0
        and len(line.get_xdata()) == 2
        and np.allclose(line.get_xdata(), 7 / 4)
    ]
    assert scandal_lines, "the felt scandal (quarter 7) is marked"


def test_both_runs_are_drawn_in_every_chart(hit_and_counterfactual):
    ws = hit_and_counterfactual
    fig = timeseries_figure(ws.frames(), {"A": "A", "B": "B"}, {"A": [], "B": []}, "en")
    for ax in fig.axes:
        colours = {line.get_color() for line in ax.get_lines()}
        assert {"#1f5fa8", "#d9822b"} <= colours


def test_figures_are_not_blank(hit_and_counterfactual):
    ws = hit_and_counterfactual
    labels = {"A": "A", "B": "B"}
    ts = png_pixels(timeseries_figure(ws.frames(), labels, ws.scandal_quarters(), "sv"))
    snaps, layout = ws.networks()
    net = png_pixels(network_figure(snaps, layout, labels, "sv"))
    for pixels in (ts, net):
        not_white = (pixels < 240).any(axis=2).mean()
        assert not_white > 0.02
    # the run colours appear in the time series (blue of A)
    blue = (np.abs(ts.astype(int) - [0x1F, 0x5F, 0xA8]).sum(axis=2) < 40).mean()
    assert blue > 0.001


@pytest.mark.parametrize("lang", LANGS)
def test_network_figure_title_and_colour_scale_follow_the_language(lang):
    ws = Workshop(Setup(world="teaching"))
    snaps, layout = ws.networks()
    fig = network_figure(snaps, layout, {"A": "A"}, lang)
    assert re.sub(r"\s+", " ", fig._suptitle.get_text()) == t("network.title.managers", lang)
    bar = fig.axes[-1]
    ticks = [label.get_text() for label in bar.get_xticklabels()]
    assert ticks[0] == t("network.control", lang) and ticks[-1] == t("network.trust", lang)


@pytest.mark.parametrize(("env", "expected"), [(None, "sv"), ("en", "en"), ("de", "sv")])
def test_new_sessions_start_in_the_language_trustsim_app_was_given(monkeypatch, env, expected):
    if env is None:
        monkeypatch.delenv(LANG_ENV, raising=False)
    else:
        monkeypatch.setenv(LANG_ENV, env)
    assert default_lang() == expected

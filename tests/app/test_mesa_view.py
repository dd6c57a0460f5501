"""Kernel-level tests of the Mesa SolaraViz view (`trustsim.app.mesa_view`): `solara.render`."""

from __future__ import annotations

import functools
import io
import runpy
import sys

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara
from PIL import Image

from trustsim import cli
from trustsim.app import mesa_view
from trustsim.cli import app as app_cli
from trustsim.model.model import TrustModel
from trustsim.model.params import SPECS

LEVER_NAMES = (
    "steering_detail",
    "reporting_demands",
    "budget_horizon_years",
    "agv_alignment",
    "esv_alignment",
    "digg_alignment",
    "rum",
    "experimentation_funding_msek",
    "method_support",
)


@pytest.fixture
def built(monkeypatch) -> list[TrustModel]:
    """Every TrustModel built while the test runs (by the page or by SolaraViz's Reset)."""
    models: list[TrustModel] = []
    original = TrustModel.__init__

    @functools.wraps(original)
    def recording_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        models.append(self)

    monkeypatch.setattr(TrustModel, "__init__", recording_init)
    return models


class View:
    """One rendered session of the view, with SolaraViz's sidebar (it needs an AppLayout)."""

    def __init__(self):
        @solara.component
        def Served():
            with solara.AppLayout():
                mesa_view.Page()

        _, self.rc = solara.render(Served(), handle_error=False)

    def button(self, text: str) -> v.Btn:
        found = [b for b in self.rc.find(v.Btn).widgets if text in b.children]
        assert len(found) == 1, f"{len(found)} buttons {text!r}"
        return found[0]

    def scandal(self) -> v.Btn:
        return self.rc.find(v.Btn, class_="ts-mesa-scandal").widget

    def slider(self, label: str) -> v.Slider:
        return self.rc.find(v.Slider, label=label).widget

    def select(self, label: str) -> v.Select:
        return self.rc.find(v.Select, label=label).widget

    def images(self) -> list[bytes]:
        return [w.value for w in self.rc.find(widgets.Image).widgets]

    def text(self, cls: str) -> str:
        return " ".join(str(c) for c in self.rc.find(class_=cls).widget.children)


def ink(png: bytes) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return float((pixels < 235).any(axis=2).mean())


def test_page_renders_solaraviz_controls_and_the_charts(built):
    view = View()
    for text in ("Reset", "Step", "▶"):
        view.button(text)  # SolaraViz's ModelController
    view.slider("Play Interval (ms)")
    view.slider("Render Interval (steps)")
    assert view.scandal().children[-1] == "Visible scandal!"
    images = view.images()
    assert len(images) == 7  # six outputs over time and the network
    assert all(ink(png) > 0.02 for png in images)
    assert len(built) == 1 and built[0].quarter == 0


def test_model_params_are_trustmodel_keywords_with_the_spec_ranges():
    params = mesa_view.model_params()
    assert set(params) == {*LEVER_NAMES, "world", "scale", "rng"}
    for name in LEVER_NAMES:
        spec = SPECS[name]
        if spec.kind is bool:
            assert params[name]["type"] == "Checkbox"
        else:
            assert (params[name]["min"], params[name]["max"]) == (spec.low, spec.high)
        assert params[name]["value"] == spec.default
    assert params["world"]["values"] == ["teaching", "state"]
    model = mesa_view.new_model()  # SolaraViz's Reset builds TrustModel(**these) the same way
    assert (
        model.world_name == "teaching"
        and model.p.steering_detail == SPECS["steering_detail"].default
    )


def test_rendered_sliders_have_the_spec_ranges():
    view = View()
    for name in LEVER_NAMES:
        spec, label = SPECS[name], mesa_view.LABELS[name]
        if spec.kind is bool:
            assert view.rc.find(v.Checkbox, label=label).widget.v_model is False
        else:
            slider = view.slider(label)
            assert (slider.min, slider.max) == (spec.low, spec.high)


def test_two_sessions_get_two_models(built):
    one, two = View(), View()
    assert len(built) == 2 and built[0] is not built[1]
    one.button("Step").click()
    one.button("Step").click()
    two.button("Step").click()
    assert (built[0].quarter, built[1].quarter) == (2, 1)


def test_step_redraws_the_charts(built):
    view = View()
    before = view.images()
    view.button("Step").click()
    after = view.images()
    assert built[0].quarter == 1
    assert sum(a != b for a, b in zip(before, after)) == 7  # every chart and the network


def test_scandal_button_raises_steering_detail_after_a_step(built):
    view = View()
    view.button("Step").click()
    view.scandal().click()
    assert "quarter 1" in view.text("ts-mesa-pressed")
    assert "Steering detail 0.6;" in view.text("ts-mesa-levers")
    view.button("Step").click()
    twin = mesa_view.new_model()  # same seed and parameters, no scandal
    twin.step()
    twin.step()
    model = built[0]
    assert model.quarter == 2
    assert model.steering_detail > twin.steering_detail
    assert f"{model.steering_detail:.3f}" in view.text("ts-mesa-state")


def test_reset_builds_a_new_model_from_the_parameters(built):
    view = View()
    view.button("Step").click()
    view.slider(mesa_view.LABELS["steering_detail"]).v_model = 0.25
    view.select(mesa_view.model_params()["world"]["label"]).v_model = "state"
    view.select(mesa_view.model_params()["scale"]["label"]).v_model = 0.01
    view.button("Reset").click()
    model = built[-1]
    assert len(built) == 2 and model.quarter == 0
    assert model.p.steering_detail == 0.25
    assert (model.world_name, model.scale) == ("state", 0.01)
    assert all(ink(png) > 0.02 for png in view.images())  # components follow the new model
    assert "Steering detail 0.25" in view.text("ts-mesa-levers")
    assert "state world at scale 0.01" in view.text("ts-mesa-levers")


def test_module_creates_no_model_at_import(built):
    runpy.run_path(mesa_view.__file__)  # `solara run trustsim/app/mesa_view.py` loads it by path
    assert built == []
    for value in vars(mesa_view).values():
        assert not isinstance(value, TrustModel)


def test_cli_mesa_flag_serves_the_view(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(app_cli.os, "execve", lambda path, argv, env: calls.append(argv))
    monkeypatch.setattr(app_cli, "check_port_free", lambda host, port: None)
    assert cli.main(["app", "--mesa", "--no-open"]) == 0
    ((argv,),) = [calls]
    assert argv[:5] == [sys.executable, "-m", "solara", "run", "trustsim.app.mesa_view"]
    assert "Mesa SolaraViz view" in capsys.readouterr().err


def test_the_teaching_world_runs_at_scale_one_whatever_the_scale_control_says():
    model = mesa_view.ViewModel(world="teaching", scale=0.05, rng=1)
    assert (model.world_name, model.scale, model.n_staff) == ("teaching", 1.0, 300)

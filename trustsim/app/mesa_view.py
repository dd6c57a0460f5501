"""The model in Mesa's standard SolaraViz page, for Mesa users (English only, one model).

Start it with `trustsim app --mesa` or `solara run trustsim.app.mesa_view`. The workshop page
(`trustsim.app.app`) is the bilingual, side-by-side page for facilitated sessions; this view is
the familiar Mesa layout: SolaraViz's sidebar (Reset / Play / Step, play and render interval,
the model parameters) and a grid of components that redraw on every step.

Solara imports this module once per server and calls `Page` for every browser session, so no
model is made here at module level: `Page` creates one per session with `solara.use_memo`.
SolaraViz's Reset rebuilds the model from `model_params()` as keywords, so every entry is a
`TrustModel` keyword (a parameter name, `world`, `scale` or `rng`); see `ViewModel`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure

from trustsim.app.charts import (
    CHARTS,
    SCANDAL_COLOUR,
    decorate_axes,
    draw_culture_reference,
    network_figure,
    plot_output,
)
from trustsim.app.session import LEVERS, SCALES, network_layout, network_snapshot
from trustsim.model.model import TrustModel
from trustsim.model.params import SPECS

with warnings.catch_warnings():  # Solara warns about its own optional pieces on import
    warnings.simplefilter("ignore", UserWarning)
    from mesa.visualization import SolaraViz
    from mesa.visualization.utils import update_counter

TITLE = "trustsim: trust or control? (Mesa SolaraViz view)"
LANG = "en"  # SolaraViz's own controls are English; the charts follow
DPI = 80
MAIN_LEVERS = tuple(lever for lever in LEVERS if lever.main)
WORLDS = ("teaching", "state")
DEFAULT_WORLD = "teaching"  # 300 staff, 29 managers: the network shows every manager
VIEW_SCALES = (1.0, *sorted(SCALES, reverse=True))  # 1 = one agent per person
DEFAULT_SCALE = 1.0
DEFAULT_SEED = 0
MAX_SEED = 1000
CHART_SIZE = (6.4, 3.5)  # inches: fits one SolaraViz grid cell (half the width, ~390 px high)
NETWORK_SIZE = (6.4, 4.6)
SCANDAL_HELP = (
    "A scandal the media report: the government answers with more detailed steering, "
    "felt from the next Step (the control ratchet)."
)
RESET_HELP = "Model parameters take effect on Reset. This model was built with:"
LABELS = {  # short English labels: SolaraViz puts each slider to the right of its label
    "steering_detail": "Steering detail",
    "reporting_demands": "Reporting demands",
    "budget_horizon_years": "Budget horizon (years)",
    "agv_alignment": "AgV alignment",
    "esv_alignment": "ESV alignment",
    "digg_alignment": "DIGG alignment",
    "rum": "RUM (cross-agency resolution)",
    "experimentation_funding_msek": "Experiment funds (MSEK/yr)",
    "method_support": "Method support",
}


# ---------------------------------------------------------------------------- the model
class ViewModel(TrustModel):
    """`TrustModel` as SolaraViz's Reset rebuilds it: `ViewModel(**model_parameters, scenario=...)`.

    Mesa 3.5 gives every model a `mesa.experimental.scenarios.Scenario`, and Reset passes a fresh,
    empty one back as `scenario=`; TrustModel would reject it as an unknown parameter. It carries
    nothing here (the seed comes from `rng`, the levers are keywords), so it is left out. The
    teaching world is a miniature that runs only at scale 1, whatever the scale control says.
    """

    def __init__(self, *, scenario: Any = None, **kwargs: Any) -> None:
        if kwargs.get("world") == "teaching":
            kwargs["scale"] = 1.0
        super().__init__(**kwargs)


# ---------------------------------------------------------------------------- model parameters
def lever_param(name: str, step: float) -> dict[str, Any]:
    """A SolaraViz user parameter for one lever: range and default from `trustsim.model.params.SPECS`."""
    spec = SPECS[name]
    label = LABELS.get(name, name)
    if spec.kind is bool:
        return {"type": "Checkbox", "value": bool(spec.default), "label": label}
    if spec.kind is int:
        return {
            "type": "SliderInt",
            "value": int(spec.default),
            "min": int(spec.low),
            "max": int(spec.high),
            "step": max(1, int(step)),
            "label": label,
        }
    return {
        "type": "SliderFloat",
        "value": float(spec.default),
        "min": float(spec.low),
        "max": float(spec.high),
        "step": step,
        "label": label,
    }


def model_params() -> dict[str, Any]:
    """SolaraViz `model_params`: the main levers, world, scale and seed (all TrustModel keywords)."""
    params = {lever.name: lever_param(lever.name, lever.step) for lever in MAIN_LEVERS}
    params["world"] = {
        "type": "Select",
        "value": DEFAULT_WORLD,
        "values": list(WORLDS),
        "label": "World (teaching: 300 staff; state: the Swedish state agencies)",
    }
    params["scale"] = {
        "type": "Select",
        "value": DEFAULT_SCALE,
        "values": list(VIEW_SCALES),
        "label": "Scale (1 = one agent per person; state at 1 is 270 000 staff)",
    }
    params["rng"] = {
        "type": "SliderInt",
        "value": DEFAULT_SEED,
        "min": 0,
        "max": MAX_SEED,
        "step": 1,
        "label": "Random seed",
    }
    return params


def initial_kwargs() -> dict[str, Any]:
    """The TrustModel keywords of the parameters' starting values (what Reset would pass)."""
    return {name: spec["value"] for name, spec in model_params().items()}


def new_model() -> ViewModel:
    """The model a new browser session starts with."""
    return ViewModel(**initial_kwargs())


# ---------------------------------------------------------------------------- figures
def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def output_figure(model: TrustModel, name: str, scandal_quarters: list[int]) -> Figure:
    """One output over time (the workshop page's chart style), scandals as red dotted lines."""
    df = model.outputs()
    fig = Figure(figsize=CHART_SIZE)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.8, bottom=0.15)
    ax = fig.subplots()
    plot_output(ax, name, {"A": df})
    if name == "experimentation_culture":
        draw_culture_reference(ax, LANG)
    for quarter in scandal_quarters:
        ax.axvline(quarter / 4.0, color=SCANDAL_COLOUR, ls=":", lw=1.5)
    years = max(10, int(np.ceil((len(df) - 1) / 4.0)))
    decorate_axes(ax, name, LANG, years, float(np.nanmax(df[name].to_numpy())))
    return fig


def model_network_figure(model: TrustModel, layout: np.ndarray) -> Figure:
    """The collaboration network coloured by trust orientation (the workshop page's picture)."""
    label = f"{model.world_name} world, quarter {model.quarter}"
    fig = network_figure({"A": network_snapshot(model)}, layout, {"A": label}, LANG)
    fig.set_size_inches(*NETWORK_SIZE)
    return fig


def model_layout(model: TrustModel) -> np.ndarray:
    """A fixed layout for the model's network (its edges do not change while it runs)."""
    snap = network_snapshot(model)
    return network_layout(len(snap.orientation), snap.edges, 0)


def lever_summary(model: TrustModel) -> str:
    """The main levers the model was built with, one line (SolaraViz's sliders show no numbers)."""
    parts = []
    for name, label in LABELS.items():
        value = model.p[name]
        if isinstance(value, bool):
            text = "on" if value else "off"
        elif name == "experimentation_funding_msek":
            text = f"{value:.0f}"
        else:
            text = f"{value:g}"
        parts.append(f"{label} {text}")
    world = f"{model.world_name} world at scale {model.scale:g}, seed {model.scenario.rng}"
    return "; ".join(parts) + f"; {world}."


def felt_quarters(pressed: tuple, model: TrustModel) -> list[int]:
    """Quarters in which `model` felt a scandal: pressed ones (felt next quarter), the scenario's."""
    felt = {quarter + 1 for owner, quarter in pressed if owner is model}
    if model.p.scandal_quarter >= 0:
        felt.add(int(model.p.scandal_quarter))
    return sorted(q for q in felt if q <= model.quarter)


# ---------------------------------------------------------------------------- components
def session_components(pressed: solara.Reactive[tuple]) -> list[tuple[Callable, int]]:
    """SolaraViz components for one session; `pressed` holds (model, quarter) per scandal pressed.

    Each is a Solara component taking the model, reading Mesa's `update_counter` so that it
    redraws after every Step (SolaraViz passes components the current model).
    """

    def OutputChart(name: str) -> Callable:
        @solara.component
        def Chart(model: TrustModel):
            tick = update_counter.get()
            quarters = felt_quarters(pressed.value, model)
            png = solara.use_memo(
                lambda: _png(output_figure(model, name, quarters)),
                [model, tick, tuple(quarters)],
            )
            solara.Image(png, width="100%", classes=["ts-mesa-chart", f"ts-mesa-{name}"])

        Chart.__name__ = f"Chart_{name}"
        return Chart

    @solara.component
    def Network(model: TrustModel):
        tick = update_counter.get()
        layout = solara.use_memo(lambda: model_layout(model), [model])
        png = solara.use_memo(lambda: _png(model_network_figure(model, layout)), [model, tick])
        solara.Image(png, width="100%", classes=["ts-mesa-network"])

    @solara.component
    def Scandal(model: TrustModel):
        update_counter.get()
        mine = [quarter for owner, quarter in pressed.value if owner is model]

        def press() -> None:
            model.inject_scandal()
            kept = tuple(item for item in pressed.value if item[0] is model)
            pressed.set((*kept, (model, model.quarter)))

        with solara.Card("Visible scandal", margin=0, classes=["ts-mesa-scandal-card"]):
            solara.Button(
                "Visible scandal!",
                on_click=press,
                color="error",
                block=True,
                classes=["ts-mesa-scandal"],
                icon_name="mdi-newspaper-variant",
            )
            solara.Div(
                children=[SCANDAL_HELP],
                style={"font-size": "0.9em", "color": "#555", "margin": "8px 0"},
            )
            solara.Text(
                f"Quarter {model.quarter} · steering detail {model.steering_detail:.3f}",
                classes=["ts-mesa-state"],
            )
            if mine:
                solara.Text(
                    " · scandals pressed in quarter " + ", ".join(map(str, mine)),
                    classes=["ts-mesa-pressed"],
                )
            solara.Div(
                children=[f"{RESET_HELP} {lever_summary(model)}"],
                style={"font-size": "0.85em", "color": "#555", "margin-top": "8px"},
                classes=["ts-mesa-levers"],
            )

    outputs = [OutputChart(name) for name in CHARTS if name != "steering_detail"]
    # grid order, two per row: the scandal beside the steering detail it raises, the network last
    return [(c, 0) for c in (Scandal, OutputChart("steering_detail"), *outputs, Network)]


@solara.component
def Page():
    """One browser session: its own model, Mesa's SolaraViz around it."""
    first = solara.use_memo(new_model, [])
    model = solara.use_reactive(first)
    pressed = solara.use_reactive(())
    components = solara.use_memo(lambda: session_components(pressed), [])
    params = solara.use_memo(model_params, [])
    SolaraViz(model, components=components, model_params=params, name=TITLE)

"""Charts drawn in the browser: the server sends data, the page draws vector (SVG) charts.

The page uses Apache ECharts 5.4, which ships inside the `solara-assets` pip package (Solara serves
it from `/_solara/cdn/echarts@5.4.0/`, out of the installed package, never from the internet).
`chart_option` turns the runs' outputs into an ECharts option (plain JSON: numbers and strings);
`TimeChart` is the widget that draws one option with ECharts' SVG renderer, redraws itself when the
option changes, resizes with its box, and exports a PNG for slides (title and legend included).

Plain functions and one widget class; no module-level mutable state.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

import ipyvuetify
import numpy as np
import pandas as pd
import traitlets

from .charts import CHARTS, COLOURS, CULTURE_REFERENCE, RATES, SCANDAL_COLOUR, UNIT_RANGE
from .i18n import t
from .session import Band

ECHARTS_VERSION = "5.4.0"  # the version solara-assets ships
ECHARTS_FILE = f"echarts@{ECHARTS_VERSION}/dist/echarts.min.js"
MIN_YEARS_SHOWN = 10
GHOST_COLOUR = "#8a94a6"
REFERENCE_COLOUR = "#555555"
DASH = {"A": "solid", "B": "dashed"}
AXIS_FONT = 14  # px: chart ticks on a laptop
AXIS_NAME_FONT = 13  # px
LARGE_AXIS_FONT = 18  # px: presentation mode, read from the back of a room on a 1280x720 projector
LARGE_AXIS_NAME_FONT = 17  # px
BAND_OPACITY = 0.16  # the band's fill: the lines stay readable through it
DIGITS = 4  # values sent to the page are rounded to this many decimals


def years_shown(frames: Mapping[str, pd.DataFrame]) -> int:
    last = max(len(df) - 1 for df in frames.values()) / 4.0
    return max(MIN_YEARS_SHOWN, math.ceil(last))


def _smooth(name: str, series: pd.Series) -> pd.Series:
    """Flows are noisy per quarter: their annual (4-quarter) mean, from quarter 1 on."""
    if name in RATES:
        return series.iloc[1:].rolling(4, min_periods=1).mean()
    return series


def _points(series: pd.Series) -> list[list[float]]:
    years = np.round(series.index.to_numpy() / 4.0, 3)
    values = np.round(series.to_numpy(dtype=float), DIGITS)
    return [[float(x), float(y)] for x, y in zip(years, values) if np.isfinite(y)]


def _finite_max(series: pd.Series) -> float:
    """The largest finite value, 0 for an empty series (quarter 0 of a flow has no values yet)."""
    values = series.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    return float(values.max()) if values.size else 0.0


def _band_series(
    run: str, band: Band, name: str, low: pd.Series, high: pd.Series, lang: str
) -> list[dict]:
    """The band of one run: a filled polygon between its low and high edges, and two edges.

    The polygon is a `custom` series (the page's script draws it, `ts_band`), with one data item
    per quarter: [year, low, high]. It is not an ECharts stack: on a value x axis a stack adds
    the x values, and an area fills down to the axis. The edges are invisible lines whose
    values the tooltip shows (the lower and the upper edge, in the page's language).
    """
    lows, highs = _points(low), _points(high)
    polygon = {
        "type": "custom",
        "name": t("chart.band", lang, run=run, seeds=band.seeds),
        "ts_band": True,
        "data": [[x, y_low, y_high] for (x, y_low), (_, y_high) in zip(lows, highs)],
        "encode": {"x": 0, "y": [1, 2]},
        "itemStyle": {"color": COLOURS[run], "opacity": BAND_OPACITY},
        "silent": True,
        "tooltip": {"show": False},
        "clip": True,
        "z": 0,
    }
    edges = []
    for key, points in (("chart.band_low", lows), ("chart.band_high", highs)):
        edge = _line(t(key, lang, run=run), points, COLOURS[run], "solid", 0, 0.0)
        edge["lineStyle"]["width"] = 0
        edge["silent"] = False  # the axis tooltip lists it
        edges.append(edge)
    mean = _line(
        t("chart.band_mean", lang, run=run),
        _points(_smooth(name, band.mean[name])),
        COLOURS[run],
        "dotted",
        1.5,
        0.9,
    )
    mean["silent"] = True
    return [polygon, *edges, mean]


def _line(name: str, data: list, colour: str, dash: str, width: float, opacity: float = 1.0):
    return {
        "type": "line",
        "name": name,
        "data": data,
        "showSymbol": False,
        "symbol": "none",
        "silent": opacity < 1.0,
        "lineStyle": {"color": colour, "type": dash, "width": width, "opacity": opacity},
        "itemStyle": {"color": colour},
        "emphasis": {"disabled": True},
        "z": 3 if opacity == 1.0 else 1,
    }


def chart_option(
    name: str,
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    scandals: Mapping[str, Sequence[int]],
    lang: str,
    ghosts: Sequence[pd.DataFrame] = (),
    bands: Mapping[str, Band] | None = None,
    large: bool = False,
) -> dict:
    """The ECharts option of output `name`: run A solid blue, run B dashed orange.

    Flows (innovation, incidents) show the quarterly values faintly and their annual mean boldly.
    `ghosts` are earlier versions of run A (before a lever changed), drawn faint grey; `bands` a
    several-seed range per run; `scandals` the quarters in which each run felt a scandal;
    `large` the presentation mode's text sizes.
    """
    series: list[dict] = []
    top = 0.0
    name_font = LARGE_AXIS_NAME_FONT if large else AXIS_NAME_FONT
    for ghost in ghosts:
        if name in ghost:
            series.append(
                _line(
                    t("chart.ghost", lang),
                    _points(_smooth(name, ghost[name])),
                    GHOST_COLOUR,
                    "solid",
                    1.5,
                    0.55,
                )
            )
    for run, band in (bands or {}).items():
        low, high = _smooth(name, band.low[name]), _smooth(name, band.high[name])
        top = max(top, _finite_max(high))
        series += _band_series(run, band, name, low, high, lang)
    for run, df in frames.items():
        colour = COLOURS[run]
        raw = df[name]
        top = max(top, _finite_max(raw))
        if name in RATES:
            series.append(
                _line(
                    f"{run} ({t('chart.quarterly', lang)})",
                    _points(raw.iloc[1:]),
                    colour,
                    DASH[run],
                    1,
                    0.3,
                )
            )
        main = _line(labels.get(run, run), _points(_smooth(name, raw)), colour, DASH[run], 2.5)
        if len(main["data"]):
            main["markPoint"] = {  # where the run is now
                "symbol": "circle",
                "symbolSize": 9,
                "silent": True,
                "label": {"show": False},
                "itemStyle": {"color": colour},
                "data": [{"coord": main["data"][-1]}],
                "animation": False,
            }
        series.append(main)
    marks = [{"xAxis": q / 4.0} for quarters in scandals.values() for q in quarters]
    lines = []
    if marks:
        lines.append(
            {
                "type": "line",
                "name": t("chart.scandal", lang),
                "data": [],
                "markLine": {
                    "symbol": "none",
                    "silent": True,
                    "animation": False,
                    "label": {"show": False},
                    "lineStyle": {"color": SCANDAL_COLOUR, "type": "dotted", "width": 2},
                    "data": marks,
                },
            }
        )
    if name == "experimentation_culture":
        lines.append(
            {
                "type": "line",
                "name": t("chart.reference", lang),
                "data": [],
                "markLine": {
                    "symbol": "none",
                    "silent": True,
                    "animation": False,
                    "lineStyle": {"color": REFERENCE_COLOUR, "type": [6, 4], "width": 1.2},
                    # named under the chart's unit (`chart_note`), not on the plot: a label
                    # inside the plot lay over the lines
                    "label": {"show": False},
                    "data": [{"yAxis": CULTURE_REFERENCE}],
                },
            }
        )
    y_max = 1.0 if name in UNIT_RANGE else _nice_top(top)
    axis_label = {"fontSize": LARGE_AXIS_FONT if large else AXIS_FONT, "color": "#333"}
    return {
        "animation": False,
        "grid": {"left": 8, "right": 16, "top": 14, "bottom": name_font + 10, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True, "order": "seriesDesc"},
        "xAxis": {
            "type": "value",
            "min": 0,
            "max": years_shown(frames),
            "minInterval": 1,
            "name": t("chart.year", lang),
            "nameLocation": "middle",
            "nameGap": name_font + 12,
            "nameTextStyle": {"fontSize": name_font, "color": "#555"},
            "axisLabel": axis_label,
            "splitLine": {"show": True, "lineStyle": {"opacity": 0.35}},
        },
        "yAxis": {
            "type": "value",
            "min": 0,
            "max": y_max,
            "axisLabel": axis_label,
            "splitLine": {"lineStyle": {"opacity": 0.35}},
        },
        "series": series + lines,
    }


def chart_note(name: str, lang: str) -> str:
    """What a chart's dashed reference line is, shown under its unit with a dashed key ("" if
    the chart has none): Innovationsbarometern's one in five on the culture chart."""
    return t("chart.reference", lang) if name == "experimentation_culture" else ""


def _nice_top(top: float) -> float:
    """An axis maximum a little above `top`, rounded to a readable number."""
    if not np.isfinite(top) or top <= 0:
        return 1.0
    raw = top * 1.15
    step = 10 ** math.floor(math.log10(raw))
    for mult in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if mult * step >= raw:
            return float(mult * step)
    return float(10 * step)


def option_json(option: dict) -> str:
    """The option as compact JSON text (what the page receives)."""
    return json.dumps(option, separators=(",", ":"), allow_nan=False)


def chart_options(
    frames: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    scandals: Mapping[str, Sequence[int]],
    lang: str,
    ghosts: Sequence[pd.DataFrame] = (),
    bands: Mapping[str, Band] | None = None,
    large: bool = False,
) -> dict[str, dict]:
    """`chart_option` for each of the six charts, in reading order."""
    return {
        name: chart_option(name, frames, labels, scandals, lang, ghosts, bands, large)
        for name in CHARTS
    }


def legend_items(labels: Mapping[str, str], lang: str, ghosts: int, scandal: bool) -> list[dict]:
    """What the PNG export writes under the title: colour, dash and text per line."""
    items = [{"text": labels[run], "color": COLOURS[run], "dash": DASH[run]} for run in labels]
    if ghosts:
        items.append({"text": t("chart.ghost", lang), "color": GHOST_COLOUR, "dash": "solid"})
    if scandal:
        items.append({"text": t("chart.scandal", lang), "color": SCANDAL_COLOUR, "dash": "dotted"})
    return items


TEMPLATE = r"""
<template>
  <div :class="'ts-chart ts-chart-' + name" :data-drawn="drawn_tick">
    <div class="ts-chart-head">
      <div class="ts-chart-title">{{ title }}</div>
      <button class="ts-chart-png" type="button" :title="png_help" @click="savePng">PNG</button>
    </div>
    <div class="ts-chart-unit">{{ unit }}<span v-if="note" class="ts-chart-note"><span
      class="ts-chart-dash"></span>{{ note }}</span></div>
    <div ref="plot" class="ts-chart-plot" :style="height ? {height: height} : {}"></div>
  </div>
</template>
<script>
module.exports = {
  data() { return { drawn_tick: -1 }; },
  mounted() {
    this.resizeObserver = new ResizeObserver(() => { if (this.chart) this.chart.resize(); });
    this.resizeObserver.observe(this.$refs.plot);
    this.loadEcharts().then((echarts) => {
      if (this._isDestroyed) return;
      this.chart = echarts.init(this.$refs.plot, null, { renderer: "svg" });
      this.draw();
    });
  },
  beforeDestroy() {
    if (this.resizeObserver) this.resizeObserver.disconnect();
    if (this.chart) this.chart.dispose();
    this.chart = null;
  },
  watch: {
    option_json() { this.draw(); },
    height() { this.$nextTick(() => { if (this.chart) this.chart.resize(); }); },
  },
  methods: {
    draw() {
      if (!this.chart) return;
      if (!this.option_json) return;
      const option = JSON.parse(this.option_json);
      if (this.decimal_comma) {
        const comma = (v) => (typeof v === "number" ? String(+v.toFixed(4)) : String(v)).replace(".", ",");
        for (const axis of [option.xAxis, option.yAxis]) {
          if (axis && axis.axisLabel) axis.axisLabel.formatter = comma;
        }
        if (option.tooltip) option.tooltip.valueFormatter = comma;
      }
      for (const s of option.series || []) {
        if (s.ts_band) s.renderItem = this.bandItem(s);
      }
      this.chart.setOption(option, { notMerge: true, lazyUpdate: false });
      this.drawn_tick = this.tick;
    },
    bandItem(series) {
      // one polygon for the whole band: the low edge left to right, the high edge right to left
      const rows = series.data;
      return (params, api) => {
        if (params.dataIndex !== 0 || rows.length < 2) return null;
        const lowEdge = rows.map((r) => api.coord([r[0], r[1]]));
        const highEdge = rows.map((r) => api.coord([r[0], r[2]])).reverse();
        return {
          type: "polygon",
          shape: { points: lowEdge.concat(highEdge) },
          style: { fill: series.itemStyle.color, opacity: series.itemStyle.opacity },
          silent: true,
        };
      };
    },
    loadEcharts() {
      if (window.echarts) return Promise.resolve(window.echarts);
      if (!window.__tsEcharts) {
        window.__tsEcharts = new Promise((resolve, reject) => {
          const base = window.solara ? window.solara.cdn : this.baseUrl() + "_solara/cdn";
          const url = `${base}/${this.echarts_file}`;
          // echarts.min.js is a UMD bundle: hide AMD's define while it runs, so it sets window.echarts
          const savedDefine = window.define;
          window.define = undefined;
          const script = document.createElement("script");
          script.src = url;
          script.onload = () => { window.define = savedDefine; resolve(window.echarts); };
          script.onerror = (e) => { window.define = savedDefine; reject(e); };
          document.head.appendChild(script);
        });
      }
      return window.__tsEcharts;
    },
    baseUrl() {
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith("/")) base += "/";
      return base;
    },
    savePng() {
      if (!this.chart) return;
      const scale = 2, width = this.chart.getWidth(), height = this.chart.getHeight();
      const svg = this.chart.renderToSVGString();
      const img = new Image();
      const legend = this.legend || [];
      const head = 64 + 24 * Math.ceil(legend.length / 2);
      img.onload = () => {
        const canvas = document.createElement("canvas");
        canvas.width = width * scale; canvas.height = (height + head) * scale;
        const ctx = canvas.getContext("2d");
        ctx.scale(scale, scale);
        ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, width, height + head);
        ctx.fillStyle = "#222"; ctx.font = "bold 17px sans-serif";
        ctx.fillText(this.title, 10, 24);
        ctx.fillStyle = "#555"; ctx.font = "13px sans-serif";
        ctx.fillText(this.unit, 10, 44);
        if (this.note) {
          const x = 20 + ctx.measureText(this.unit).width;
          ctx.strokeStyle = "#555"; ctx.lineWidth = 1.5; ctx.setLineDash([6, 4]);
          ctx.beginPath(); ctx.moveTo(x, 40); ctx.lineTo(x + 22, 40); ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillText(this.note, x + 28, 44);
        }
        legend.forEach((item, i) => {
          const x = 10 + (i % 2) * (width / 2), y = 64 + 24 * Math.floor(i / 2);
          ctx.strokeStyle = item.color; ctx.lineWidth = 3;
          ctx.setLineDash(item.dash === "dashed" ? [8, 5] : item.dash === "dotted" ? [2, 4] : []);
          ctx.beginPath(); ctx.moveTo(x, y - 5); ctx.lineTo(x + 28, y - 5); ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = "#222"; ctx.font = "13px sans-serif";
          ctx.fillText(item.text, x + 36, y, width / 2 - 50);
        });
        ctx.drawImage(img, 0, head, width, height);
        const link = document.createElement("a");
        link.download = this.filename || "trustsim.png";
        link.href = canvas.toDataURL("image/png");
        link.click();
      };
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    },
  },
};
</script>
<style id="ts-chart-style">
.ts-chart { position: relative; min-width: 0; }
.ts-chart-head { display: flex; align-items: flex-start; gap: 6px; }
.ts-chart-title { font-weight: 600; font-size: 1.02em; line-height: 1.2; flex: 1 1 auto; }
.ts-chart-unit { font-size: 0.85em; color: #555; line-height: 1.2; min-height: 1.2em; }
.ts-chart-note { white-space: nowrap; margin-left: 0.6em; display: inline-block; }
.ts-chart-dash { display: inline-block; width: 22px; margin-right: 5px; vertical-align: middle;
  border-top: 2px dashed #555; }
.ts-chart-png { font-size: 0.72em; color: #1f5fa8; border: 1px solid #9bb3d4; border-radius: 3px;
  padding: 0 5px; background: #fff; flex: 0 0 auto; opacity: 0.75; }
.ts-chart-png:hover { opacity: 1; }
</style>
"""


class TimeChart(ipyvuetify.VuetifyTemplate):
    """One chart drawn in the browser by ECharts (SVG renderer) from `option_json`.

    `tick` identifies the data; the page sets `data-drawn` on the chart to it once drawn (the
    browser tests and `trustsim bench --app` wait for that).
    """

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    # the ECharts option as JSON text: one string for Reacton to compare and for the widget to send
    # (a dict of thousands of points would be walked element by element on every render)
    option_json = traitlets.Unicode("").tag(sync=True)
    tick = traitlets.Int(0).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    unit = traitlets.Unicode("").tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)  # the key of a dashed reference line, if any
    name = traitlets.Unicode("").tag(sync=True)  # the output; the chart's class is ts-chart-NAME
    height = traitlets.Unicode("").tag(sync=True)  # "" = as tall as the page's grid cell
    decimal_comma = traitlets.Bool(False).tag(sync=True)
    legend = traitlets.List([]).tag(sync=True)
    filename = traitlets.Unicode("trustsim.png").tag(sync=True)
    png_help = traitlets.Unicode("PNG").tag(sync=True)
    echarts_file = traitlets.Unicode(ECHARTS_FILE).tag(sync=True)


class StepAnchor(ipyvuetify.VuetifyTemplate):
    """Where an exercise's current step begins: when `step` changes (Next, Back), the step's
    first line is scrolled to the top of the column, instead of the column staying where the
    previous, longer step left it (the new step's heading above the screen)."""

    template = traitlets.Unicode(
        """<template><div class="ts-step-anchor"></div></template>
<script>
module.exports = {
  watch: { step() { this.$nextTick(() => this.$el.scrollIntoView({block: "start"})); } },
};
</script>"""
    ).tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)

"""Browser tests of a page a room can use (issue 25): what a person sees, measured.

Each test asserts geometry in Chromium, not only that elements exist: the uncertainty band's
polygon lies around the runs' lines (not from the axis to the top, not to twice the year), the
exercise's question is on the screen before any answer, presentation mode keeps the question and
all six charts on one 1280x720 screen with large text, and nothing overflows at 1280x720, at
150 % browser zoom (853x480 CSS px at device scale 1.5) and on a 390 px phone. Screenshots go to
test-results/app/ and the ones the docs show to docs/img/room-*.png.

Run with `pytest tests/app/test_browser_room.py -m browser` (one browser test at a time).
"""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import Page, expect
from test_browser import (
    DOCS_IMG,
    LOAD_TIMEOUT,
    STEP_TIMEOUT,
    choose,
    open_page,
    step,
    wait_for_charts,
)

from trustsim.app.charts import COLOURS
from trustsim.app.webcharts import BAND_OPACITY, LARGE_AXIS_FONT

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
ZOOM_150 = {"width": 853, "height": 480}  # a 1280x720 screen at 150 % browser zoom
PHONE = {"width": 390, "height": 844}
EXERCISE = "scandal-hysteresis"

# For one chart: the band polygon of run A (its SVG path), run A's line points in pixels, the
# grid's rectangle, and whether two probe points lie inside the band's fill: on the x axis and at
# the top of the grid, both halfway along the band.
BAND_GEOMETRY = """([name, colour, opacity]) => {
  const plot = document.querySelector(`.ts-chart-${name} .ts-chart-plot`);
  const chart = window.echarts.getInstanceByDom(plot);
  const option = chart.getOption();
  const svg = plot.querySelector('svg');
  const bands = [...svg.querySelectorAll('path')].filter(p =>
    (p.getAttribute('fill') || '').toLowerCase() === colour &&
    Math.abs(parseFloat(p.getAttribute('fill-opacity') || '1') - opacity) < 1e-6);
  if (bands.length !== 1) return {bands: bands.length};
  const band = bands[0];
  const toUser = (x, y) => new DOMPoint(x, y).matrixTransform(band.getCTM().inverse());
  const toScreen = (x, y) => new DOMPoint(x, y).matrixTransform(band.getCTM());
  const box = band.getBBox();
  const corners = [toScreen(box.x, box.y), toScreen(box.x + box.width, box.y + box.height)];
  const line = option.series.find(s => s.type === 'line' && s.name.startsWith('A:')
    && s.lineStyle.width > 2);
  const points = line.data.map(p => chart.convertToPixel({gridIndex: 0}, p));
  const xs = points.map(p => p[0]);
  const mid = (Math.min(...xs) + Math.max(...xs)) / 2;
  const axisY = chart.convertToPixel({gridIndex: 0}, [0, 0])[1];
  const topY = chart.convertToPixel({gridIndex: 0}, [0, option.yAxis[0].max])[1];
  const inFill = (x, y) => band.isPointInFill(toUser(x, y));
  // the band's median (its dotted line) at every x: inside the polygon, unless the band is
  // thinner than 2 px there (edge and median then coincide on the screen)
  const rows = option.series.find(s => s.ts_band && s.name.includes('A')).data;
  const median = option.series.find(s => s.type === 'line' && s.name.includes('A')
    && s.lineStyle.type === 'dotted');
  const medianOut = median.data.map((p, i) => {
    const [x, y] = chart.convertToPixel({gridIndex: 0}, p);
    const row = rows.find(r => Math.abs(r[0] - p[0]) < 1e-9);
    const low = chart.convertToPixel({gridIndex: 0}, [row[0], row[1]])[1];
    const high = chart.convertToPixel({gridIndex: 0}, [row[0], row[2]])[1];
    const xIn = Math.min(Math.max(x, corners[0].x + 0.6), corners[1].x - 0.6);
    return {year: p[0], inside: low - high < 2 || inFill(xIn, y), low, high, y};
  }).filter(m => !m.inside);
  const year = parseInt(document.querySelector('.ts-status').textContent.match(/\\d+/)[0]) / 4;
  return {
    bands: 1,
    box: {left: corners[0].x, top: corners[0].y, right: corners[1].x, bottom: corners[1].y},
    points,
    medianPoints: median.data.length,
    medianOut,
    yearX: chart.convertToPixel({gridIndex: 0}, [year, 0])[0],
    axisMax: option.xAxis[0].max,
    year,
    axisInside: inFill(mid, axisY - 1),
    topInside: inFill(mid, topY + 1),
  };
}"""


# Every chart has drawn run A up to the quarter the status shows (not one redraw behind).
DRAWN_TO_THE_QUARTER = """() => {
  const year = parseInt(document.querySelector('.ts-status').textContent.match(/\\d+/)[0]) / 4;
  return [...document.querySelectorAll('.ts-chart-grid .ts-chart-plot')].every(plot => {
    const chart = window.echarts && window.echarts.getInstanceByDom(plot);
    const line = chart && chart.getOption().series.find(s => s.type === 'line'
      && s.name.startsWith('A:') && s.lineStyle.width > 2);
    return line && line.data.length && Math.abs(line.data[line.data.length - 1][0] - year) < 1e-6;
  });
}"""


def chart_font_sizes(page: Page) -> list[float]:
    """The font sizes (px) of the six charts' SVG texts: tick labels and axis names."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.ts-chart-grid .ts-chart-plot svg text')]
            .map(t => parseFloat(getComputedStyle(t).fontSize))"""
    )


def overlaps(a: dict, b: dict, slack: float = 0.5) -> bool:
    return (
        a["x"] + a["width"] > b["x"] + slack
        and b["x"] + b["width"] > a["x"] + slack
        and a["y"] + a["height"] > b["y"] + slack
        and b["y"] + b["height"] > a["y"] + slack
    )


def assert_nothing_overflows(page: Page, size: dict, stacked: bool) -> None:
    """No sideways scrolling, toolbar controls and charts apart, chart titles not clipped, and
    (side by side) the page's columns end on the screen instead of under its bottom edge."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= size["width"] + 1, f"the page is {width} px wide on a {size['width']} px screen"
    controls = page.locator(".ts-toolbar > *:visible")
    boxes = [controls.nth(i).bounding_box() for i in range(controls.count())]
    boxes = [b for b in boxes if b and b["width"] > 0]
    for i, a in enumerate(boxes):
        assert a["x"] + a["width"] <= size["width"] + 1, ("toolbar control off screen", a)
        for b in boxes[i + 1 :]:
            assert not overlaps(a, b), ("toolbar controls overlap", a, b)
    charts = page.locator(".ts-chart-grid .ts-chart")
    chart_boxes = [charts.nth(i).bounding_box() for i in range(charts.count())]
    for i, a in enumerate(chart_boxes):
        for b in chart_boxes[i + 1 :]:
            assert not overlaps(a, b), ("charts overlap", a, b)
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.ts-chart-title, .ts-chart-unit')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""
    )
    assert clipped == [], clipped
    assert_chart_parts_apart(page)
    if not stacked:
        for column in (".ts-side", ".ts-main"):
            box = page.locator(column).first.bounding_box()
            assert box["y"] + box["height"] <= size["height"] + 1, (column, box)


# Per chart of the grid: the boxes of its title, unit line and plot, and the SVG texts drawn
# inside its plot's grid (between the axes) with their boxes.
CHART_PARTS = """() => [...document.querySelectorAll('.ts-chart-grid .ts-chart')].map(c => {
  const box = e => { const r = e.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  const plot = c.querySelector('.ts-chart-plot');
  const chart = window.echarts.getInstanceByDom(plot);
  const grid = chart.getModel().getComponent('grid', 0).coordinateSystem.getRect();
  const p = plot.getBoundingClientRect();
  const inner = {x: p.x + grid.x, y: p.y + grid.y, width: grid.width, height: grid.height};
  const texts = [...plot.querySelectorAll('svg text')].map(t => ({text: t.textContent,
    box: box(t)})).filter(t => t.box.x > inner.x + 1 && t.box.x + t.box.width < inner.x
    + inner.width - 1 && t.box.y > inner.y + 1 && t.box.y + t.box.height < inner.y
    + inner.height - 1);
  return {name: c.className, title: box(c.querySelector('.ts-chart-title')),
    unit: box(c.querySelector('.ts-chart-unit')), plot: box(plot), texts};
})"""


def assert_chart_parts_apart(page: Page) -> None:
    """Chart titles, unit lines and plots overlap nothing of another chart nor each other; the
    plots side by side start at one height (a title on two lines pushed one plot down); and no
    text is drawn over a plot's lines (the reference's label lay across the culture chart)."""
    charts = page.evaluate(CHART_PARTS)
    assert len(charts) == 6
    parts = [(c["name"], part, c[part]) for c in charts for part in ("title", "unit", "plot")]
    for i, (name_a, part_a, a) in enumerate(parts):
        for name_b, part_b, b in parts[i + 1 :]:
            assert not overlaps(a, b), ("overlap", name_a, part_a, a, name_b, part_b, b)
    rows: dict[int, list[float]] = {}
    for c in charts:
        rows.setdefault(round(c["title"]["y"] / 20), []).append(c["plot"]["y"])
    for tops in rows.values():
        assert max(tops) - min(tops) <= 1, ("plots side by side start at different heights", tops)
    assert [c["texts"] for c in charts] == [[]] * 6, [c["texts"] for c in charts]


# The visible texts of the exercise panel in presentation mode under 18 px (the question 20 px).
EXERCISE_TEXT_SIZES = """() => {
  const walker = document.createTreeWalker(document.querySelector('.ts-present-exercise'),
    NodeFilter.SHOW_TEXT);
  const out = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement, r = e.getBoundingClientRect();
    if (!n.textContent.trim() || r.width === 0 || e.closest('.v-select, .v-text-field')) continue;
    const size = parseFloat(getComputedStyle(e).fontSize);
    if (size < 16) out.push([n.textContent.trim().slice(0, 40), size]);
  }
  return out;
}"""


def start_exercise(page: Page, lang: str = "sv"):
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = exercises.load_exercise(EXERCISE)
    if lang == "sv":
        page.locator(".ts-lang-sv").click()
        expect(page.locator(".ts-step")).to_have_text("Steg", timeout=STEP_TIMEOUT)
    choose(page, "ts-exercise-select", f"{ex.title[lang]} ({ex.minutes} min)")
    expect(page.locator(".ts-exercise-progress")).to_contain_text("1", timeout=STEP_TIMEOUT)
    return ex


def go_to_first_prediction(page: Page, ex) -> int:
    """Next through the steps (running the run steps) up to the first predict step."""
    kinds = [s.kind for s in ex.steps]
    predict = kinds.index("predict")
    for i in range(predict):
        if ex.steps[i].kind == "run":
            page.locator(".ts-exercise-run").click()
            expect(page.locator(".ts-exercise-ran")).to_be_visible(timeout=120_000)
        page.locator(".ts-exercise-next").click()
    expect(page.locator(".ts-exercise-progress")).to_contain_text(
        f"{predict + 1} ", timeout=STEP_TIMEOUT
    )
    return predict


def test_the_band_lies_around_the_lines_from_quarter_zero_on(page: Page, app_url, screenshot_dir):
    """Issue 25.1-2: switched on at quarter 0 the page became a traceback; later the band ran to
    twice the year and filled from the axis to the top of the chart."""
    page.set_viewport_size(PROJECTOR)
    open_page(page, app_url)
    page.locator(".ts-band input").check(force=True)
    expect(page.locator(".ts-band input")).to_be_checked(timeout=STEP_TIMEOUT)
    page.wait_for_timeout(500)
    expect(page.locator(".ts-error")).to_have_count(0)
    assert page.get_by_text("Traceback").count() == 0
    wait_for_charts(page)
    step(page, 8)
    wait_for_charts(page)
    page.wait_for_function(DRAWN_TO_THE_QUARTER, timeout=STEP_TIMEOUT)
    # admin burden and culture never reach 0 or their axis' top: a band from the axis would show
    for name in ("admin_burden", "innovation_rate", "trust_orientation"):
        g = page.evaluate(BAND_GEOMETRY, [name, COLOURS["A"], BAND_OPACITY])
        assert g["bands"] == 1, (name, g)
        box, points = g["box"], g["points"]
        xs = [x for x, _ in points]
        assert abs(box["left"] - min(xs)) <= 2 and abs(box["right"] - max(xs)) <= 2, (name, box)
        for x, y in points:  # the shown run is one of the band's seeds: inside (or on) it
            assert box["top"] - 1.5 <= y <= box["bottom"] + 1.5, (name, x, y, box)
        if name != "innovation_rate":  # a flow's band may reach its axis' top early on
            assert not g["axisInside"] and not g["topInside"], (name, g)
        # the median at every x lies in the band, and the band stops at the year reached
        assert g["medianPoints"] >= 8 and g["medianOut"] == [], (name, g["medianOut"])
        assert abs(box["right"] - g["yearX"]) <= 2, (name, box, g["yearX"], g["year"])
        assert g["axisMax"] == 10, g  # 2 years played: the axis shows 10, not twice the year
    page.screenshot(path=screenshot_dir / "room-band.png")
    shutil.copyfile(screenshot_dir / "room-band.png", DOCS_IMG / "room-band.png")


def test_the_question_is_on_the_screen_before_the_answer(page: Page, app_url, screenshot_dir):
    """Issue 25.3: the input showed only the step's lead-in; 25.5: the prediction came after the
    scandal was already on the chart."""
    page.set_viewport_size(PROJECTOR)
    open_page(page, app_url)
    ex = start_exercise(page)
    predict = go_to_first_prediction(page, ex)
    question = page.locator(".ts-exercise-question")
    expect(question).to_have_text(ex.steps[predict].question.text["sv"], timeout=STEP_TIMEOUT)
    page.locator(".ts-side").evaluate("el => el.scrollTo(0, 0)")
    question.scroll_into_view_if_needed()
    expect(question).to_be_in_viewport(ratio=1.0)
    assert page.locator(".ts-exercise-feedback").count() == 0
    box, field = question.bounding_box(), page.locator(".ts-exercise-input").bounding_box()
    assert box["y"] + box["height"] <= field["y"] + 1  # above its answer field
    size = question.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 16
    # the scandal (quarter 12) is not on the charts yet: the runs stopped before it
    status = page.locator(".ts-status").text_content()
    assert int("".join(c for c in status.split("(")[0] if c.isdigit())) < ex.scandal_quarter
    page.locator(".ts-exercise-input input").fill("abc")
    page.locator(".ts-exercise-answer").click()
    expect(page.locator(".ts-exercise-error")).to_contain_text("inte ett tal")


def test_presentation_mode_keeps_the_question_and_the_charts_large(
    page: Page, app_url, screenshot_dir
):
    """Issue 25.9: presentation mode hid the exercise; ticks were 13 px, text 11-14 px."""
    page.set_viewport_size(PROJECTOR)
    open_page(page, app_url)
    ex = start_exercise(page)
    go_to_first_prediction(page, ex)
    page.locator(".ts-present-toggle").click()
    expect(page.locator(".ts-present-exercise")).to_be_visible(timeout=STEP_TIMEOUT)
    wait_for_charts(page)
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('.ts-chart-grid svg text')]
            .some(t => parseFloat(getComputedStyle(t).fontSize) >= {LARGE_AXIS_FONT})""",
        timeout=LOAD_TIMEOUT,
    )
    question = page.locator(".ts-exercise-question")
    expect(question).to_be_in_viewport(ratio=1.0)
    expect(page.locator(".ts-exercise-answer")).to_be_in_viewport(ratio=1.0)
    q_box = question.bounding_box()
    for i in range(6):  # every chart wholly on the screen, beside the question, none tiny
        box = page.locator(".ts-chart-grid .ts-chart").nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PROJECTOR["width"] + 1, box
        assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"] + 1, box
        assert box["width"] > 250 and box["height"] > 200, box
        assert not overlaps(box, q_box)
    sizes = chart_font_sizes(page)
    ticks = [size for size in sizes if size >= LARGE_AXIS_FONT]
    assert len(ticks) >= 0.8 * len(sizes), sorted(sizes)  # the ticks: 18 px
    assert min(sizes) >= 16, sorted(set(sizes))  # axis names 17 px, the reference label 16 px
    body = page.locator(".ts-exercise-text").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert body >= 16
    small = page.evaluate(EXERCISE_TEXT_SIZES)  # every text of the step, not only its body
    assert small == [], small
    assert_nothing_overflows(page, PROJECTOR, stacked=False)
    page.screenshot(path=screenshot_dir / "room-presentation-exercise.png")
    shutil.copyfile(
        screenshot_dir / "room-presentation-exercise.png",
        DOCS_IMG / "room-presentation-exercise.png",
    )


@pytest.mark.parametrize(
    ("label", "size", "scale", "stacked"),
    [
        ("projector", PROJECTOR, 1.0, False),
        ("zoom150", ZOOM_150, 1.5, False),
        ("phone", PHONE, 3.0, True),
    ],
)
def test_nothing_overflows(browser, app_url, screenshot_dir, label, size, scale, stacked):
    """Issue 25.9: at 125-150 % zoom the run bar wrapped and pushed the columns under the
    screen's edge, and chart titles overlapped."""
    context = browser.new_context(viewport=size, device_scale_factor=scale)
    page = context.new_page()
    try:
        open_page(page, app_url)
        ex = start_exercise(page)
        go_to_first_prediction(page, ex)
        wait_for_charts(page)
        assert_nothing_overflows(page, size, stacked)
        page.screenshot(path=screenshot_dir / f"room-{label}.png")
        shutil.copyfile(screenshot_dir / f"room-{label}.png", DOCS_IMG / f"room-{label}.png")
    finally:
        context.close()


def test_the_phone_run_bar_is_small_and_stays_at_the_top(browser, app_url, screenshot_dir):
    """Issue 25, leftover: on a 390x844 phone the run bar was 213 px (a quarter of the screen),
    and it scrolled away with the page (the body had 0 px height, so sticky had no room)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    page = context.new_page()
    try:
        open_page(page, app_url)
        start_exercise(page)
        bar = page.locator(".ts-toolbar").bounding_box()
        assert bar["height"] <= 110, bar  # two rows of icons at most
        page.locator(".ts-chart-grid .ts-chart").nth(3).scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        assert page.locator(".ts-chart-grid").bounding_box()["y"] < PHONE["height"]
        bar = page.locator(".ts-toolbar").bounding_box()
        assert abs(bar["y"]) <= 1, bar  # still at the top of the screen
        for control in (".ts-step", ".ts-play", ".ts-reset", ".ts-status"):
            expect(page.locator(control)).to_be_in_viewport(ratio=1.0)
        expect(page.locator(".ts-step")).to_have_text("Steg")  # the words stay for readers
        page.screenshot(path=screenshot_dir / "room-phone-charts.png")
    finally:
        context.close()

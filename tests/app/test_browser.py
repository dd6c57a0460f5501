"""Browser tests: the page served by `trustsim app`, driven in Debian's Chromium (offline).

Run with `pytest tests/app -m browser`. Screenshots go to test-results/app/.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

LOAD_TIMEOUT = 60_000  # ms; the first page of a fresh server imports the model and draws
STEP_TIMEOUT = 30_000
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
ROOT = Path(__file__).resolve().parents[2]
MESA_QUARTERS = 12  # Steps clicked in the Mesa view
MESA_SCANDAL = 5  # ... with a visible scandal pressed before this one
DOCS_IMG = ROOT / "docs" / "img"


class Requests:
    """Every request the page makes, and the ones that failed."""

    def __init__(self, page: Page):
        self.urls: list[str] = []
        self.failed: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(r.url))

    def remote(self) -> list[str]:
        return [
            u
            for u in self.urls
            if urlparse(u).hostname not in LOCAL_HOSTS
            and urlparse(u).scheme not in ("data", "blob")
        ]


def open_page(page: Page, url: str) -> Requests:
    requests = Requests(page)
    page.goto(url)
    expect(page.locator(".ts-status")).to_be_visible(timeout=LOAD_TIMEOUT)
    wait_for_charts(page)
    return requests


def wait_for_charts(page: Page) -> None:
    """Until the six charts have drawn the data the page last sent (the browser draws them)."""
    page.wait_for_function(
        """() => {
            const charts = [...document.querySelectorAll('.ts-chart')];
            return charts.length === 6 && charts.every(c =>
                c.dataset.drawn !== '-1' && c.querySelector('svg path'));
        }""",
        timeout=LOAD_TIMEOUT,
    )


def wait_for_image(page: Page, selector: str) -> None:
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0 }",
        arg=f"img{selector}",
        timeout=LOAD_TIMEOUT,
    )


def status(page: Page) -> str:
    return page.locator(".ts-status").text_content().strip()


def step(page: Page, times: int = 1) -> None:
    for _ in range(times):
        before = status(page)
        page.locator(".ts-step").click()
        expect(page.locator(".ts-status")).not_to_have_text(before, timeout=STEP_TIMEOUT)


def quarter(page: Page) -> int:
    return int(re.search(r"\d+", status(page)).group())


def play_until(page: Page, target: int) -> None:
    page.locator(".ts-play").click()
    page.wait_for_function(
        "t => parseInt(document.querySelector('.ts-status').textContent.match(/\\d+/)[0]) >= t",
        arg=target,
        timeout=120_000,
    )
    page.locator(".ts-play").click()
    expect(page.locator(".ts-play")).to_have_text(re.compile("Play|Spela"), timeout=STEP_TIMEOUT)
    settled(page)


def settled(page: Page, quiet_ms: int = 500) -> None:
    """Until the quarter shown has not changed for `quiet_ms` (the last Play frame has arrived)."""
    page.wait_for_function(
        """ms => {
            const q = document.querySelector('.ts-status').textContent;
            const now = performance.now();
            if (window.__tsLast !== q) { window.__tsLast = q; window.__tsSince = now; }
            return now - window.__tsSince >= ms;
        }""",
        arg=quiet_ms,
        timeout=STEP_TIMEOUT,
        polling=100,
    )


def assert_not_blank(png: bytes, min_ink: float = 0.02) -> None:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    ink = (pixels < 235).any(axis=2).mean()
    assert ink > min_ink, f"only {ink:.1%} of the picture is not white"


def choose(page: Page, select: str, text: str) -> None:
    """Pick `text` in the Vuetify select with class `select`."""
    page.locator(f".{select} .v-select__slot").click()
    menu = page.locator(".menuable__content__active")
    menu.get_by_text(text, exact=True).click()


def test_page_loads_offline_steps_and_draws(page: Page, app_url, screenshot_dir):
    requests = open_page(page, app_url)
    assert status(page) == "Quarter 0 (year 0)"
    step(page, 3)
    assert status(page) == "Quarter 3 (year 0.75)"
    wait_for_charts(page)
    wait_for_image(page, ".ts-network")
    # vector charts drawn in the browser by ECharts, which came from this server (solara-assets)
    assert page.locator(".ts-chart svg").count() == 6
    assert_not_blank(page.locator(".ts-charts").screenshot())
    assert_not_blank(page.locator("img.ts-network").screenshot())
    page.screenshot(path=screenshot_dir / "loaded-and-stepped.png")
    assert any(u.endswith("/_solara/cdn/echarts@5.4.0/dist/echarts.min.js") for u in requests.urls)
    assert requests.remote() == [], "the page must work without internet"
    assert requests.failed == []


def test_slider_move_reaches_the_model(page: Page, app_url, screenshot_dir):
    open_page(page, app_url)
    label = page.locator(".ts-lever-steering_detail .ts-lever-label")
    expect(label).to_have_text("Steering detail set by the government: 0.6")
    track = page.locator(".ts-lever-steering_detail .v-slider")
    box = track.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)
    expect(label).not_to_have_text(
        "Steering detail set by the government: 0.6", timeout=STEP_TIMEOUT
    )
    value = float(label.text_content().split(":")[1])
    assert value < 0.3
    expect(page.locator(".ts-levers-changed")).to_contain_text("Steering detail")
    expect(page.locator(".ts-run-A")).to_contain_text("changed levers")
    expect(page.locator(".ts-runs-levers")).to_contain_text(
        f"Steering detail set by the government {value:g}"
    )
    page.locator(".ts-lever-steering_detail").screenshot(path=screenshot_dir / "slider-moved.png")


def test_language_switch_changes_the_labels(page: Page, app_url, screenshot_dir):
    open_page(page, app_url)
    expect(page.locator(".ts-step")).to_have_text("Step")
    page.locator(".ts-lang-sv").click()
    expect(page.locator(".ts-step")).to_have_text("Steg", timeout=STEP_TIMEOUT)
    expect(page.locator(".ts-title")).to_have_text("trustsim · tillit eller kontroll?")
    expect(page.locator(".ts-status")).to_have_text("Kvartal 0 (år 0)")
    expect(page.locator(".ts-scandal")).to_have_text("Synlig skandal!")
    expect(page.locator(".ts-info")).to_contain_text("Vad är det?")
    expect(page.locator(".ts-lever-budget_horizon_years .ts-lever-label")).to_have_text(
        "Budgethorisont (år): 1"
    )
    wait_for_charts(page)
    expect(page.locator(".ts-chart-innovation_rate .ts-chart-title")).to_have_text(
        "Innovationstakt"
    )
    page.screenshot(path=screenshot_dir / "svenska.png")
    page.locator(".ts-lang-en").click()
    expect(page.locator(".ts-step")).to_have_text("Step", timeout=STEP_TIMEOUT)


def test_two_scenarios_side_by_side(page: Page, app_url, screenshot_dir):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, app_url)
    choose(page, "ts-scenario-b", "Trust principles integrated across AgV, ESV and DIGG")
    expect(page.locator(".ts-run-B")).to_have_text(
        "B: Trust principles integrated across AgV, ESV and DIGG", timeout=STEP_TIMEOUT
    )
    expect(page.locator(".ts-run-A")).to_have_text("A: Baseline: control-based steering")
    play_until(page, 16)
    wait_for_charts(page)
    chart = page.locator(".ts-charts").screenshot()
    assert_not_blank(chart)
    pixels = np.asarray(Image.open(io.BytesIO(chart)).convert("RGB")).astype(int)
    for rgb in ((0x1F, 0x5F, 0xA8), (0xD9, 0x82, 0x2B)):  # run A blue, run B orange
        assert (np.abs(pixels - rgb).sum(axis=2) < 60).mean() > 1e-4
    page.screenshot(path=screenshot_dir / "side-by-side.png")
    page.locator(".ts-lang-sv").click()  # the same runs, now in Swedish
    expect(page.locator(".ts-run-B")).to_have_text(
        "B: Tillitsprinciper integrerade i AgV:s, ESV:s och DIGG:s stöd", timeout=STEP_TIMEOUT
    )
    wait_for_charts(page)
    expect(page.locator(".ts-chart-innovation_rate .ts-chart-title")).to_have_text(
        "Innovationstakt"
    )
    page.screenshot(path=screenshot_dir / "side-by-side-sv.png")
    shutil.copyfile(
        screenshot_dir / "side-by-side-sv.png", DOCS_IMG / "workshop-side-by-side-sv.png"
    )


def test_scandal_button_shows_the_ratchet(page: Page, app_url, screenshot_dir):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, app_url)
    choose(page, "ts-scenario-a", "Trust principles integrated across AgV, ESV and DIGG")
    choose(page, "ts-scenario-b", "Trust principles integrated across AgV, ESV and DIGG")
    expect(page.locator(".ts-message")).to_contain_text("identical", timeout=STEP_TIMEOUT)
    play_until(page, 12)
    pressed = quarter(page)
    page.locator(".ts-scandal").click()
    note = f"except for the scandal pressed in run A (quarter {pressed})"
    expect(page.locator(".ts-message")).to_contain_text(note, timeout=STEP_TIMEOUT)
    play_until(page, quarter(page) + 16)
    expect(page.locator(".ts-message")).to_contain_text(note)  # still there, many steps on
    expect(page.get_by_text("Runs A and B are identical")).to_have_count(0)
    wait_for_charts(page)
    page.locator(".ts-lang-sv").click()  # the picture for the guide, in Swedish
    expect(page.locator(".ts-step")).to_have_text("Steg", timeout=STEP_TIMEOUT)
    expect(page.locator(".ts-chart-innovation_rate .ts-chart-title")).to_have_text(
        "Innovationstakt", timeout=STEP_TIMEOUT
    )
    expect(page.locator(".ts-message")).to_contain_text("Körning A och B", timeout=STEP_TIMEOUT)
    wait_for_charts(page)
    page.locator(".ts-main").evaluate("el => el.scrollTo(0, 0)")
    page.screenshot(path=screenshot_dir / "scandal.png")
    shutil.copyfile(screenshot_dir / "scandal.png", DOCS_IMG / "workshop-scandal.png")


def test_csv_export_downloads_the_current_run(page: Page, app_url):
    open_page(page, app_url)
    step(page, 2)
    with page.expect_download(timeout=STEP_TIMEOUT) as download:
        page.locator(".ts-export").click()
    assert download.value.suggested_filename == ("trustsim_baseline-control_state_seed0_q2.csv")
    df = pd.read_csv(download.value.path())
    assert df["quarter"].tolist() == [0, 1, 2] and set(df["run"]) == {"A"}
    with page.expect_download(timeout=STEP_TIMEOUT) as download:
        page.locator(".ts-export-excel").click()
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads å, ä, ö
    excel = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(excel, df)


def test_chart_exports_a_png_for_slides(page: Page, app_url):
    open_page(page, app_url)
    step(page, 2)
    wait_for_charts(page)
    with page.expect_download(timeout=STEP_TIMEOUT) as download:
        page.locator(".ts-chart-steering_detail .ts-chart-png").click()
    assert download.value.suggested_filename.endswith("_steering_detail.png")
    png = Path(download.value.path()).read_bytes()
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and picture.width >= 400  # drawn at twice the screen size
    assert_not_blank(png)


def test_presentation_mode_shows_only_the_charts_at_1280x720(page: Page, app_url, screenshot_dir):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, app_url)
    page.locator(".ts-lang-sv").click()
    choose(page, "ts-scenario-b", "Tillitsprinciper integrerade i AgV:s, ESV:s och DIGG:s stöd")
    expect(page.locator(".ts-run-B")).to_be_visible(timeout=STEP_TIMEOUT)
    play_until(page, 20)
    page.locator(".ts-present-toggle").click()
    expect(page.locator(".ts-side")).to_have_count(0, timeout=STEP_TIMEOUT)
    expect(page.locator(".ts-info")).to_have_count(0)
    wait_for_charts(page)
    for i in range(6):  # every chart wholly on the 1280x720 screen, none tiny
        box = page.locator(".ts-chart").nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280 + 1
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720 + 1
        assert box["width"] > 350 and box["height"] > 200
    for control in (".ts-step", ".ts-play", ".ts-scandal"):
        expect(page.locator(control)).to_be_in_viewport()
    page.screenshot(path=screenshot_dir / "presentation-sv.png")
    shutil.copyfile(
        screenshot_dir / "presentation-sv.png", DOCS_IMG / "workshop-presentation-sv.png"
    )
    page.locator(".ts-present-toggle").click()
    expect(page.locator(".ts-side")).to_be_visible(timeout=STEP_TIMEOUT)


def test_run_controls_stay_in_view_while_the_controls_scroll(page: Page, app_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, app_url)
    page.locator(".ts-side").evaluate("el => el.scrollTo(0, el.scrollHeight)")
    page.locator(".ts-main").evaluate("el => el.scrollTo(0, el.scrollHeight)")
    expect(page.locator(".ts-export")).to_be_in_viewport()
    for control in (".ts-step", ".ts-play", ".ts-scandal", ".ts-status"):
        expect(page.locator(control)).to_be_in_viewport()
    step(page, 1)


def test_two_sessions_do_not_share_a_model(browser, app_url, screenshot_dir):
    one_context, two_context = browser.new_context(), browser.new_context()
    try:
        one, two = one_context.new_page(), two_context.new_page()
        open_page(one, app_url)
        open_page(two, app_url)
        step(one, 3)
        step(two, 1)
        assert status(two) == "Quarter 1 (year 0.25)"  # a shared model would be at quarter 4
        step(one, 1)
        assert status(one) == "Quarter 4 (year 1)"  # ... and here at quarter 5
        one.screenshot(path=screenshot_dir / "session-one.png")
        two.screenshot(path=screenshot_dir / "session-two.png")
        two.reload()  # a new visit is a new session that starts from the beginning
        expect(two.locator(".ts-status")).to_have_text("Quarter 0 (year 0)", timeout=LOAD_TIMEOUT)
    finally:
        one_context.close()
        two_context.close()


# ---------------------------------------------------------------------------- the Mesa view
@pytest.fixture(scope="module")
def mesa_url(tmp_path_factory, app_server):
    """`trustsim app --mesa` (Mesa's SolaraViz view) on a free port; killed by PID at the end."""
    with app_server(tmp_path_factory.mktemp("mesa"), "--mesa") as url:
        yield url


def test_mesa_view_steps_and_draws(page: Page, mesa_url, screenshot_dir):
    requests = Requests(page)
    page.goto(mesa_url)
    step_button = page.get_by_role("button", name="Step", exact=True)
    expect(step_button).to_be_enabled(timeout=LOAD_TIMEOUT)
    expect(page.get_by_text("Time: 0.0")).to_be_visible(timeout=LOAD_TIMEOUT)
    for quarter in range(1, MESA_QUARTERS + 1):
        if quarter == MESA_SCANDAL:
            page.locator(".ts-mesa-scandal").click()
            expect(page.locator(".ts-mesa-pressed")).to_contain_text(str(quarter - 1))
        step_button.click()
        expect(page.get_by_text(f"Time: {quarter}.0")).to_be_visible(timeout=STEP_TIMEOUT)
    expect(page.locator(".ts-mesa-state")).to_contain_text(f"Quarter {MESA_QUARTERS}")
    charts = page.locator("img.ts-mesa-chart")
    expect(charts).to_have_count(6)
    for selector in (".ts-mesa-chart", ".ts-mesa-network"):
        wait_for_image(page, selector)
    page.wait_for_timeout(500)  # let the redrawn pictures settle
    for i in range(3):  # the charts in view: drawn, not blank
        assert_not_blank(charts.nth(i).screenshot())
    shot = screenshot_dir / "mesa-view.png"
    page.set_viewport_size({"width": 1600, "height": 1800})  # all four rows of the grid
    wait_for_image(page, ".ts-mesa-network")
    page.wait_for_timeout(500)
    page.screenshot(path=shot)
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, DOCS_IMG / "mesa-view.png")
    assert requests.remote() == [], "the view must work without internet"


def test_a_whole_exercise_in_swedish_at_1280x720(page: Page, app_url, screenshot_dir):
    exercises = pytest.importorskip("trustsim.teach.exercises")
    ex = exercises.load_exercise("first-contact")
    try:
        key = exercises.answer_key(ex)
    except exercises.ExerciseError as exc:
        pytest.skip(f"no answer key: {exc}")
    page.set_viewport_size({"width": 1280, "height": 720})
    requests = open_page(page, app_url)
    page.locator(".ts-lang-sv").click()
    expect(page.locator(".ts-step")).to_have_text("Steg", timeout=STEP_TIMEOUT)
    choose(page, "ts-exercise-select", f"{ex.title['sv']} ({ex.minutes} min)")
    progress = page.locator(".ts-exercise-progress")
    expect(progress).to_contain_text(f"Steg 1 av {len(ex.steps)}", timeout=STEP_TIMEOUT)
    expect(page.locator(".ts-run-B")).to_contain_text("Tillitsprinciper", timeout=STEP_TIMEOUT)
    for number, step in enumerate(ex.steps, 1):
        expect(progress).to_contain_text(f"Steg {number} av {len(ex.steps)}")
        question = step.question
        if question is not None:
            if question.kind == "choice":
                answer = key[question.ident].correct if step.kind == "question" else 0
                page.locator(f".ts-exercise-option-{answer}").locator("..").click()
            elif question.kind == "numeric":
                value = f"{key[question.ident].value:g}".replace(".", ",")
                page.locator(".ts-exercise-input input").fill(value)
            else:
                page.locator(".ts-exercise-input textarea").fill("Kulturen sprids mellan chefer.")
            page.locator(".ts-exercise-answer").click()
            feedback = page.locator(".ts-exercise-feedback")
            if step.kind == "predict":
                expect(feedback).to_contain_text("Förutsägelsen är sparad", timeout=STEP_TIMEOUT)
            elif question.kind == "open":
                expect(feedback).to_contain_text("Sparat", timeout=STEP_TIMEOUT)
            else:
                expect(feedback).to_contain_text("Rätt", timeout=STEP_TIMEOUT)
                expect(page.locator(".ts-exercise-model")).to_contain_text("Modellen")
        if step.kind == "run":
            page.locator(".ts-exercise-run").click()
            expect(page.locator(".ts-exercise-ran")).to_be_visible(timeout=120_000)
            assert quarter(page) == 4 * step.play_to_year  # paused by itself
            expect(page.locator(".ts-exercise-predictions")).to_contain_text("Du sa")
            wait_for_charts(page)
            page.screenshot(path=screenshot_dir / "exercise-sv.png")
            shutil.copyfile(
                screenshot_dir / "exercise-sv.png", DOCS_IMG / "workshop-exercise-sv.png"
            )
        if number < len(ex.steps):
            page.locator(".ts-exercise-next").click()
    expect(page.locator(".ts-exercise-should-see")).to_contain_text(ex.should_see["sv"][:30])
    page.locator(".ts-exercise-name input").fill("Åsa Öberg")
    page.locator(".ts-exercise-name input").press("Enter")
    with page.expect_download(timeout=STEP_TIMEOUT) as download:
        page.locator(".ts-exercise-handin").click()
    handin = Path(download.value.path()).read_text(encoding="utf-8")
    assert handin.startswith(f"# {ex.title['sv']}") and "Åsa Öberg" in handin
    assert "Kulturen sprids mellan chefer." in handin and "stämmer med modellen" in handin
    english = [
        w
        for w in ("Step", "Play", "Reset", "Next", "Back")
        if page.get_by_text(w, exact=True).count()
    ]
    assert english == []
    assert requests.remote() == []

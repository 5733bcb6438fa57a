"""`tfl-inspect report` in a real browser (Debian's Chromium driven by selenium), and folder reports.

The browser tests skip, saying why, where Chromium, chromedriver or selenium are missing; `make test`
installs them. A screenshot of the sample report is kept in test-artifacts/ for people to look at.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import CORPUS, ROOT, needs_corpus, require_corpus, sample

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = ROOT / "test-artifacts"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tfl_inspect", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("Chromium/chromedriver not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install selenium)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def _open(driver, page: Path) -> None:  # type: ignore[no-untyped-def]
    driver.get_log("performance")  # drop what earlier pages logged
    driver.get_log("browser")
    driver.get(page.as_uri())
    driver.implicitly_wait(5)
    assert driver.find_element("css selector", "body[data-ready='1']")


def _requests(driver, page: Path) -> list[str]:  # type: ignore[no-untyped-def]
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return [u for u in urls if u != page.as_uri() and not u.startswith("data:")]


def test_report_works_in_a_real_browser(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin

    page = tmp_path / "upsampling.html"
    assert _cli("report", str(sample("upsampling_static.tflite")), "-o", str(page)).returncode == 0
    _open(browser, page)
    find = browser.find_element
    # the static parts, the SVG and the findings are in the DOM
    assert find("css selector", "#io table.io").text.count("serving_default_image:0") == 1
    assert len(browser.find_elements("css selector", "#graph svg g.node.op")) == 13
    assert len(browser.find_elements("css selector", "#findings-list .finding")) == 4
    # filtering by severity
    find("css selector", "input[data-kind='sev'][data-value='info']").click()
    assert len(browser.find_elements("css selector", "#findings-list .finding")) == 1
    # search finds an op, selects it and zooms onto it
    before = find("id", "graph").get_attribute("data-viewbox")
    find("id", "search").send_keys("CONV_2D")
    assert find("id", "search-count").text == "1 match"
    assert "selected" in find("id", "op_0_12").get_attribute("class")
    assert "CONV_2D (subgraph 0, op 12)" in find("id", "details").text
    after_search = find("id", "graph").get_attribute("data-viewbox")
    assert after_search != before
    # wheel zooms, drag pans
    graph = find("id", "graph")
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(graph), 0, 300).perform()
    zoomed = graph.get_attribute("data-viewbox")
    assert zoomed != after_search
    ActionChains(browser).click_and_hold(graph).move_by_offset(80, 40).release().perform()
    assert graph.get_attribute("data-viewbox") != zoomed
    # clicking a node shows its details
    find("id", "zoom-reset").click()
    browser.execute_script("document.getElementById('graph').scrollIntoView()")
    find("id", "op_0_0").click()
    assert "SHAPE (subgraph 0, op 0)" in find("id", "details").text
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    assert _requests(browser, page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    browser.execute_script("document.getElementById('graph-section').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "report-upsampling.png"))


def test_hostile_names_run_no_script(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.exporters.test_dot import HOSTILE
    from tests.modeledit import pack, unpack

    m = unpack(sample("flex_select_tf.tflite"))
    sg = m.subgraphs[0]
    script = "<script>window.__pwned=1</script><img src=x onerror='window.__pwned=2'>"
    sg.name = script.encode()
    for i, tensor in enumerate(sg.tensors):
        tensor.name = f"</script>{script}{HOSTILE[i % len(HOSTILE)]}#{i}".encode()
    sig = m.signatureDefs[0]
    sig.signatureKey = ("</title>" + script).encode()
    for j, item in enumerate([*sig.inputs, *sig.outputs]):
        item.name = f"{script}{j}".encode()
    model = tmp_path / "hostile.tflite"
    model.write_bytes(pack(m))
    page = tmp_path / "hostile.html"
    assert _cli("report", str(model), "-o", str(page)).returncode == 0
    _open(browser, page)
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.execute_script("return document.querySelectorAll('script').length") == 2
    # the names are there, as text
    browser.find_element("id", "search").send_keys("window.__pwned")
    assert browser.find_element("id", "search-count").text.endswith("matches")
    assert _requests(browser, page) == []
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


@needs_corpus
def test_folder_report_of_the_corpus(tmp_path: Path) -> None:
    require_corpus()
    site = tmp_path / "site"
    proc = _cli("report", str(CORPUS / "litert"), "-o", str(site), "--jobs", "2", "--no-graph")
    assert proc.returncode in (0, 2), proc.stderr
    index = (site / "index.html").read_text(encoding="utf-8")
    from tfl_inspect.commands._batch import find_models

    models = find_models(CORPUS / "litert")
    pages = sorted(site.glob("*.html"))
    assert len(models) > 150
    assert index.count("<tr>") == 1 + len(models)  # header + one row per model, readable or not
    unreadable = index.count("class='sev-error'")
    assert len(pages) - 1 + unreadable == len(models)
    assert unreadable <= 6  # the corpus files that are not models (the reader tests cover them)


def test_report_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model")
    proc = _cli("report", str(bad), "-o", str(tmp_path / "x.html"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1

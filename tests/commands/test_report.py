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


def _ready(driver) -> None:  # type: ignore[no-untyped-def]
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def _view(driver) -> str:  # type: ignore[no-untyped-def]
    """The viewer's state: the diagram shown ('' = the model's), scale and scroll position."""
    return str(driver.find_element("id", "graph").get_attribute("data-view"))


def _changed(driver, old: str) -> str:  # type: ignore[no-untyped-def]
    """The view once it differs from ``old`` (scrolling settles asynchronously)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 5).until(lambda d: _view(d) != old)
    return _view(driver)


def _level(driver) -> str:  # type: ignore[no-untyped-def]
    return _view(driver).split(" ")[0]


def _click(driver, selector: str) -> None:  # type: ignore[no-untyped-def]
    """A real click on an element of the diagram, scrolled into the viewer first."""
    from selenium.webdriver.common.action_chains import ActionChains

    node = driver.find_element("css selector", selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", node)
    ActionChains(driver).move_to_element(node).click().perform()


def _all_ops(driver) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        driver.execute_script(
            "return JSON.parse(document.getElementById('report-data').textContent).ops.map((o) => o.s + ':' + o.i)"
        )
    )


def _drawn_ops(driver) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        driver.execute_script("return [...document.querySelectorAll('#graph [data-op]')].map((e) => e.dataset.op)")
    )


def _open_every_box(driver) -> int:  # type: ignore[no-untyped-def]
    """Depth first: click every box shown, then go back with the page's own button. Returns the boxes opened."""
    opened = 0
    level = _level(driver)
    boxes = driver.execute_script(
        "return [...document.querySelectorAll(`#graph svg[data-level='${arguments[0]}'] [data-box]`)]"
        ".map((e) => e.dataset.box)",
        level,
    )
    for box in boxes:
        _click(driver, f"[data-box='{box}']")
        assert _level(driver) == box
        opened += 1 + _open_every_box(driver)
        driver.find_element("id", "back").click()
        assert _level(driver) == level
    return opened


def test_report_works_in_a_real_browser(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.common.keys import Keys

    page = tmp_path / "upsampling.html"
    assert _cli("report", str(sample("upsampling_static.tflite")), "-o", str(page)).returncode == 0
    _open(browser, page)
    find = browser.find_element
    # the static parts, the diagram and the findings are in the DOM
    assert find("css selector", "#io table.io").text.count("serving_default_image:0") == 1
    nodes = browser.find_elements("css selector", "#graph svg g.node.op")
    assert len(nodes) == 13
    assert {n.get_attribute("data-op") for n in nodes} == {f"0:{i}" for i in range(13)}
    assert len(browser.find_elements("css selector", "#findings-list .finding")) == 4
    # filtering by severity
    find("css selector", "input[data-kind='sev'][data-value='info']").click()
    assert len(browser.find_elements("css selector", "#findings-list .finding")) == 1
    # search finds an op, selects it and scrolls to it
    browser.execute_script("document.getElementById('graph-section').scrollIntoView()")
    before = _view(browser)
    find("id", "search").send_keys("CONV_2D")
    assert find("id", "search-count").text == "1 match"
    assert "selected" in find("id", "op_0_12").get_attribute("class")
    assert "CONV_2D (subgraph 0, op 12)" in find("id", "details").text
    after_search = _view(browser)
    assert after_search != before
    # ctrl + wheel zooms, the plain wheel scrolls, drag pans
    graph = find("id", "graph")
    ActionChains(browser).key_down(Keys.CONTROL).scroll_from_origin(ScrollOrigin.from_element(graph), 0, -300).key_up(
        Keys.CONTROL
    ).perform()
    zoomed = _view(browser)
    assert zoomed.split(" ")[1] != after_search.split(" ")[1]
    ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(graph), 0, -200).perform()
    scrolled = _changed(browser, zoomed)
    assert scrolled.split(" ")[1] == zoomed.split(" ")[1]
    ActionChains(browser).click_and_hold(graph).move_by_offset(-80, -40).release().perform()
    _changed(browser, scrolled)
    # clicking a node shows its details
    find("id", "zoom-reset").click()
    _click(browser, "#op_0_0")
    assert "SHAPE (subgraph 0, op 0)" in find("id", "details").text
    _ready(browser)
    assert _requests(browser, page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    browser.execute_script("document.getElementById('graph-section').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "report-upsampling.png"))


def _face_model() -> Path:
    from ..conftest import THIRDPARTY

    path = THIRDPARTY / "mediapipe" / "face_landmark_with_attention.tflite"
    if not path.is_file():
        pytest.skip(f"{path} not fetched: run python tests/fetch_models.py (its 712 ops collapse into boxes)")
    return path


def test_every_op_is_reachable_by_opening_boxes(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "face.html"
    assert _cli("report", str(_face_model()), "-o", str(page)).returncode == 0
    _open(browser, page)
    browser.execute_script("document.getElementById('graph-section').scrollIntoView()")
    every = _all_ops(browser)
    boxes = browser.execute_script(
        "return Object.keys(JSON.parse(document.getElementById('report-data').textContent).graph.boxes)"
    )
    first = browser.find_elements("css selector", "#graph [data-box]")
    assert len(first) > 10 and len(_drawn_ops(browser)) < len(every) / 2  # most ops start inside boxes
    # the first view fits the width at a readable scale (or stays readable and scrolls sideways)
    scale = float(_view(browser).split(" ")[1])
    width = browser.execute_script("return document.getElementById('graph').clientWidth")
    drawn = browser.execute_script("return document.querySelector('#graph svg').getBoundingClientRect().width")
    assert 0.75 <= scale <= 1 and (drawn <= width or scale == 0.75)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "report-face-model.png"))
    assert _open_every_box(browser) == len(boxes)
    assert _drawn_ops(browser) == every
    for element in browser.find_elements("css selector", "#graph g.node.op"):
        s, i = element.get_attribute("data-op").split(":")
        assert element.get_attribute("id") == f"op_{s}_{i}"
    _ready(browser)
    assert _requests(browser, page) == []


def test_search_opens_the_box_an_op_is_in(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "face.html"
    assert _cli("report", str(_face_model()), "-o", str(page)).returncode == 0
    _open(browser, page)
    data = browser.execute_script("return JSON.parse(document.getElementById('report-data').textContent)")
    boxes = data["graph"]["boxes"]
    # an op drawn two boxes deep if there is one, else one deep; searched by its output tensor's label
    inside = [o for o in data["ops"] if o.get("box") and o["at"] == o["id"]]
    op = max(inside, key=lambda o: (bool(boxes[o["box"]]["parent"]), o["i"]))
    assert browser.find_elements("css selector", f"#{op['id']}") == []  # not drawn before the search
    browser.execute_script("document.getElementById('graph-section').scrollIntoView()")
    browser.find_element("id", "search").send_keys(op["outputs"][0])
    assert browser.find_element("id", "search-count").text == "1 match"
    assert _level(browser) == op["box"]
    node = browser.find_element("id", op["id"])
    assert node.is_displayed() and "selected" in node.get_attribute("class")
    crumbs = browser.find_element("id", "crumbs").text
    assert boxes[op["box"]]["title"] in crumbs
    browser.save_screenshot(str(ARTIFACTS / "report-face-search.png"))
    # the way back: breadcrumbs to the model, where the box holding the op is marked as a match
    browser.find_element("css selector", "#crumbs .crumb").click()
    assert _level(browser) == ""
    outer = op["box"]
    while boxes[outer]["parent"]:
        outer = boxes[outer]["parent"]
    assert "match" in browser.find_element("id", outer).get_attribute("class")
    _ready(browser)
    assert _requests(browser, page) == []


def test_hostile_names_run_no_script(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.exporters.test_dot import HOSTILE
    from tests.modeledit import pack, unpack

    m = unpack(sample("upsampling_static.tflite"))
    sg = m.subgraphs[0]
    script = "<script>window.__pwned=1</script><img src=x onerror='window.__pwned=2'>"
    sg.name = script.encode()
    for i, tensor in enumerate(sg.tensors):
        tensor.name = f"</script>{script}/{HOSTILE[i % len(HOSTILE)]}/x#{i}".encode()
    sig = m.signatureDefs[0]
    sig.signatureKey = ("</title>" + script).encode()
    for j, item in enumerate([*sig.inputs, *sig.outputs]):
        item.name = f"{script}{j}".encode()
    model = tmp_path / "hostile.tflite"
    model.write_bytes(pack(m))
    page = tmp_path / "hostile.html"
    # few nodes: the ops collapse into boxes whose titles and context nodes carry the names too
    assert _cli("report", str(model), "-o", str(page), "--max-nodes", "8").returncode == 0
    _open(browser, page)
    browser.execute_script("document.getElementById('graph-section').scrollIntoView()")
    assert browser.find_elements("css selector", "#graph [data-box]")
    _open_every_box(browser)
    assert _drawn_ops(browser) == _all_ops(browser)
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.execute_script("return document.querySelectorAll('script').length") == 3
    # the names are there, as text
    texts = browser.execute_script("return [...document.querySelectorAll('#graph text')].map((t) => t.textContent)")
    assert any("<script>" in t for t in texts)
    browser.find_element("id", "search").send_keys("window.__pwned")
    assert browser.find_element("id", "search-count").text.endswith("matches")
    assert _requests(browser, page) == []
    _ready(browser)


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


def test_same_model_gives_the_same_page(tmp_path: Path) -> None:
    """Diagrams laid out in parallel runs of dot still come back in order: the same bytes every time."""
    pages = []
    for k in range(2):
        page = tmp_path / f"p{k}.html"
        proc = _cli("report", str(sample("upsampling_static.tflite")), "-o", str(page), "--max-nodes", "6")
        assert proc.returncode == 0, proc.stderr
        pages.append(page.read_bytes())
    assert pages[0] == pages[1] and b"report-boxes" in pages[0]


OPS10K = ROOT / "benchmarks" / "models" / "ops10k.tflite"


def test_a_10k_op_model_opens_fast_and_stays_small(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not OPS10K.is_file():
        pytest.skip(f"{OPS10K} missing: nice python benchmarks/make_models.py --only 10k")
    page = tmp_path / "ops10k.html"
    proc = _cli("report", str(OPS10K), "-o", str(page))
    assert proc.returncode == 0, proc.stderr
    size = page.stat().st_size
    assert size < 20 * 2**20, size
    _open(browser, page)
    ready_ms = int(browser.find_element("tag name", "body").get_attribute("data-ready-ms"))
    assert ready_ms < 3000, ready_ms
    every = _all_ops(browser)
    assert len(every) > 9500
    # open a box, a box in it, then find an op three levels down by name
    browser.execute_script("document.getElementById('graph-section').scrollIntoView()")
    first = browser.find_element("css selector", "#graph [data-box]").get_attribute("data-box")
    _click(browser, f"[data-box='{first}']")
    assert _level(browser) == first
    inner = browser.find_element("css selector", f"#graph svg[data-level='{first}'] [data-box]").get_attribute(
        "data-box"
    )
    _click(browser, f"[data-box='{inner}']")
    assert _level(browser) == inner and browser.find_elements("css selector", f"svg[data-level='{inner}'] [data-op]")
    data = browser.execute_script("return JSON.parse(document.getElementById('report-data').textContent).ops[9000]")
    browser.find_element("id", "search").send_keys(data["outputs"][0])  # the op and the ops reading its output
    browser.find_element("css selector", f"#results li[data-op='{data['id']}']").click()
    assert _level(browser) == data["box"]
    assert browser.find_element("id", data["at"]).is_displayed()
    _ready(browser)
    assert _requests(browser, page) == []
    print(f"ops10k report: {size / 2**20:.1f} MB, ready after {ready_ms} ms")


def _hostile_copy(path: Path, out: Path) -> Path:
    """The model with every tensor and signature name made of markup (the same names for the same tensors)."""
    from tests.exporters.test_dot import HOSTILE
    from tests.modeledit import pack, unpack

    m = unpack(path)
    script = "<script>window.__pwned=1</script><img src=x onerror='window.__pwned=2'>"
    for tensor in m.subgraphs[0].tensors:
        tensor.name = f"</script>{script}{HOSTILE[len(tensor.name) % len(HOSTILE)]}/{tensor.name.decode()}".encode()
    out.write_bytes(pack(m))
    return out


def test_report_diff_in_a_real_browser(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert not installed: --run needs LiteRT")
    import tfl_inspect

    a, b = sample("dense_float32.tflite"), sample("dense_int8.tflite")
    page = tmp_path / "drift.html"
    proc = _cli("report", str(a), "--diff", str(b), "--run", "-o", str(page))
    assert proc.returncode == 0, proc.stderr
    expected = tfl_inspect.diff(a, b, run=True)  # the diff API: what the page must show
    assert expected.contract and expected.numeric is not None
    _open(browser, page)
    find, rows = browser.find_element, browser.find_elements
    changes = find("id", "changes").text
    for c in expected.contract:
        assert c.message in changes
    changed = [o for o in expected.structure.ops if o.kind == "changed"]
    assert changed and all(f"{o.opcode} {o.a_op} {o.b_op}" in changes for o in changed)
    layers = rows("css selector", "table.layers tr[data-a-op]")
    assert len(layers) == len(expected.numeric.tensors)
    first = expected.numeric.tensors[expected.numeric.first_divergence or 0]
    assert "first" in find("css selector", f"table.layers tr[data-a-op='op_0_{first.a_op}']").get_attribute("class")
    assert find("css selector", "#numbers .plot svg")
    # the diagram is A's, each op filled by the SQNR of its output; a layer row shows its op and both models' details
    assert {e.get_attribute("data-op") for e in rows("css selector", "#graph g.node.op")} == {"0:0", "0:1", "0:2"}
    find("css selector", "table.layers tr[data-a-op='op_0_1']").click()
    assert "selected" in find("id", "op_0_1").get_attribute("class")
    detail = find("id", "details").text
    assert "changed in B" in detail and "SQNR" in detail
    compare = find("css selector", "#details table.compare").text
    assert "int8" in compare and "float32" in compare
    ARTIFACTS.mkdir(exist_ok=True)
    browser.execute_script("document.getElementById('graph-section').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "report-diff-graph.png"))
    browser.execute_script("document.getElementById('numbers').scrollIntoView()")
    browser.save_screenshot(str(ARTIFACTS / "report-diff-numbers.png"))
    _ready(browser)
    assert _requests(browser, page) == []


def test_report_diff_keeps_hostile_names_of_either_model_inert(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert not installed: --run needs LiteRT")
    a = _hostile_copy(sample("dense_float32.tflite"), tmp_path / "a.tflite")
    b = _hostile_copy(sample("dense_int8_float_io.tflite"), tmp_path / "b.tflite")
    page = tmp_path / "drift.html"
    proc = _cli("report", str(a), "--diff", str(b), "--run", "-o", str(page))
    assert proc.returncode == 0, proc.stderr
    _open(browser, page)
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert browser.execute_script("return document.querySelectorAll('script').length") == 3
    assert "<script>window.__pwned=1</script>" in browser.find_element("id", "changes").text
    assert "<script>window.__pwned=1</script>" in browser.find_element("css selector", "table.layers").text
    for row in browser.find_elements("css selector", "table.layers tr[data-a-op]"):
        if row.get_attribute("data-a-op"):
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
            row.click()
            assert "<script>" in browser.find_element("id", "details").text
    assert browser.execute_script("return window.__pwned === undefined")
    _ready(browser)
    assert _requests(browser, page) == []


def test_report_diff_options(tmp_path: Path) -> None:
    a, b = str(sample("dense_float32.tflite")), str(sample("dense_int8.tflite"))
    out = str(tmp_path / "x.html")
    for args in (["--run"], ["--signature", "serving_default"], ["--diff", b, "--inputs", "x.npz"]):
        proc = _cli("report", a, *args, "-o", out)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
    proc = _cli("report", str(sample("dense_int8.tflite").parent), "--diff", b, "-o", str(tmp_path / "site"))
    assert proc.returncode == 2 and "folder" in proc.stderr
    proc = _cli("report", a, "--diff", str(tmp_path / "missing.tflite"), "-o", out)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    # without --run: the changes, and a note saying how to get the numbers; the same bytes twice
    pages = []
    for k in range(2):
        page = tmp_path / f"d{k}.html"
        proc = _cli("report", a, "--diff", b, "-o", str(page), "--no-graph")
        assert proc.returncode == 0, proc.stderr
        pages.append(page.read_text(encoding="utf-8"))
    assert pages[0] == pages[1]
    assert "report A --diff B --run" in pages[0] and "I/O contract changes" in pages[0]


def test_hostile_names_stay_text_in_every_part_of_the_page(tmp_path: Path) -> None:
    """Without a browser: the only tags are the page's own; names land escaped in HTML and in the JSON blocks."""
    import re

    a = _hostile_copy(sample("upsampling_static.tflite"), tmp_path / "a.tflite")
    b = _hostile_copy(sample("upsampling_static_batch1.tflite"), tmp_path / "b.tflite")
    pages = {
        "model": ("report", str(a), "--max-nodes", "6"),
        "diff": ("report", str(a), "--diff", str(b), "--max-nodes", "6"),
    }
    for name, args in pages.items():
        page = tmp_path / f"{name}.html"
        proc = _cli(*args, "-o", str(page))
        assert proc.returncode == 0, proc.stderr
        text = page.read_text(encoding="utf-8")
        assert len(re.findall(r"<script\b", text)) == 3 and "<img" not in text, name
        assert "&lt;script&gt;window.__pwned=1" in text  # the names are there, as text
        for block in re.findall(r"<script type='application/json' id='[a-z-]+'>(.*?)</script>", text, re.S):
            assert "<" not in block and json.loads(block) is not None

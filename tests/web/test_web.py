"""The browser demo (examples/web) in headless Chromium, driven through selenium.

examples/web/build.py assembles the page into a folder (the wasm built if stale, Lite0 from a
model cache made here, the class names), served on 127.0.0.1 at a free port. In headless Chromium:

- scikit-image's sample photos, fed through the file picker and by a drop, show onnxruntime's
  top-1 (computed here on Pillow's decoding and NumPy's preprocessing, as tests/classify does),
  and on the PNGs, which every decoder reads alike, its top-5 probabilities; a screenshot of
  each result is saved in the test's tmp_path (pytest prints where on failure);
- a file that is not an image, and one wider than predict accepts, give clear messages;
- the camera, Chromium's fake device (its frame's class means nothing), renders a top-5, and
  a denied camera says so;
- a page whose .wasm cannot be fetched says which file failed and why.

Skipped, saying what to install, without selenium, chromium or chromedriver (and emcc when the
wasm must be built); `make test` sets PREDICT_REQUIRE_TARGETS=1, which turns those skips into
failures. About 15 s once the wasm is built (tests/packages builds it earlier in a full run).
"""
from __future__ import annotations

import base64
import contextlib
import functools
import importlib.util
import os
import shutil
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = {"chelsea.png": "picker", "coffee.png": "drop", "rocket.jpg": "picker"}
TIMEOUT = 60    # seconds for a page to load or a photo to be classified (both take < 1 s here)


def _load_build():
    spec = importlib.util.spec_from_file_location("web_build", ROOT / "examples" / "web" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def missing() -> str:
    """Why the browser cannot be driven here ("" when it can)."""
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install -e '.[dev]')"
    for tool, package in (("chromium", "chromium"), ("chromedriver", "chromium-driver")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (tools/setup.sh, or apt-get install {package})"
    if build.wasm_is_stale() and shutil.which("emcc") is None:
        return "emcc is not installed to build generated/js (tools/setup.sh installs emscripten)"
    return ""


@pytest.fixture(scope="module", autouse=True)
def tools():
    why = missing()
    if why:
        if os.environ.get("PREDICT_REQUIRE_TARGETS"):
            pytest.fail(f"{why}; PREDICT_REQUIRE_TARGETS is set")
        pytest.skip(why)


def sample(name: str) -> Path:
    import skimage
    return Path(skimage.__file__).parent / "data" / name


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The assembled page, with Lite0 from a model cache of its own."""
    models = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PREDICT_MODELS_DIR", str(models))
        return build.assemble(tmp_path_factory.mktemp("web") / "site")


class QuietHandler(build.Handler):
    """build.py's handler (static files, revalidated), without a log line per request."""

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(folder: Path):
    """The URL of `folder` served on 127.0.0.1 at a free port, until the block ends."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def url(site):
    with serving(site) as u:
        yield u


def chromium(*args: str):
    """Headless Chromium with a camera that always exists: a generated test pattern."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,1200",
                "--use-fake-device-for-media-stream", *args):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


@pytest.fixture(scope="module")
def browser():
    driver = chromium("--use-fake-ui-for-media-stream")    # which answers the camera prompt: allow
    yield driver
    driver.quit()


def page_state(driver) -> str:
    return driver.find_element("tag name", "body").get_attribute("data-state")


def text(driver, id_: str) -> str:
    return driver.find_element("id", id_).get_attribute("textContent")


def until(driver, condition):
    """condition(driver), once it is true (selenium is imported only once the tools are there)."""
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, TIMEOUT).until(condition)


def wait(driver, states: tuple[str, ...], caption: str = "") -> str:
    """Waits for body[data-state] in `states` (and a caption starting with `caption`)."""
    from selenium.common.exceptions import TimeoutException
    try:
        until(driver, lambda d: page_state(d) in states and text(d, "caption").startswith(caption))
    except TimeoutException:
        logs = "\n".join(e["message"] for e in driver.get_log("browser"))
        pytest.fail(f"the page stayed {page_state(driver)!r}: status {text(driver, 'status')!r}, "
                    f"notice {text(driver, 'notice')!r}\nconsole:\n{logs}")
    return page_state(driver)


def load(driver, url: str):
    driver.get(url)
    assert wait(driver, ("ready", "failed")) == "ready", text(driver, "status")
    return driver


@pytest.fixture
def page(browser, url):
    return load(browser, url)


def top5(driver) -> list[tuple[int, float, str]]:
    """(class, probability, label) of the result's rows."""
    rows = driver.find_elements("css selector", "#top li")
    return [(int(r.get_attribute("data-class")), float(r.get_attribute("data-probability")),
             r.find_element("class name", "label").text) for r in rows]


def drop(driver, path: Path) -> None:
    """Drops the file on the page, as a person dragging it from their files does."""
    driver.execute_script("""
        const [name, data] = arguments;
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name));
        document.getElementById('drop').dispatchEvent(
            new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    """, path.name, base64.b64encode(path.read_bytes()).decode())


def screenshot(driver, path: Path) -> None:
    assert driver.save_screenshot(str(path)), path
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def reference(model: Path, photo: Path) -> np.ndarray:
    """onnxruntime's probabilities for a photo decoded by Pillow, preprocessed by NumPy."""
    import onnxruntime
    from PIL import Image
    from predict_models.preprocess import preprocess
    rgb = np.asarray(Image.open(photo).convert("RGB"))
    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: preprocess(rgb, 224)})[0][0].astype(np.float64)
    p = np.exp(logits - logits.max())
    return p / p.sum()


@pytest.mark.parametrize("photo", list(PHOTOS))
def test_sample_photo_shows_onnxruntimes_top1(page, site, photo, tmp_path):
    path = sample(photo)
    if PHOTOS[photo] == "drop":
        drop(page, path)
    else:
        page.find_element("id", "file").send_keys(str(path))
    assert wait(page, ("done", "error"), caption=photo) == "done", text(page, "notice")
    screenshot(page, tmp_path / f"web-{Path(photo).stem}.png")
    got = top5(page)
    want = reference(site / "models" / "efficientnet-lite0.onnx", path)
    labels = (site / "imagenet_classes.txt").read_text().splitlines()
    assert len(got) == 5 and [label for _, _, label in got] == [labels[c] for c, _, _ in got]
    assert got[0][0] == int(np.argmax(want)), (photo, got, np.argsort(-want)[:5])
    if photo.endswith(".png"):       # the pixels of every decoder: onnxruntime's numbers
        assert [c for c, _, _ in got] == list(np.argsort(-want, kind="stable")[:5])
        np.testing.assert_allclose([p for _, p, _ in got], want[[c for c, _, _ in got]], atol=2e-4)
    assert text(page, "times").startswith("decode ") and " preprocess " in text(page, "times")


def test_bad_photos_say_why(page, tmp_path):
    """A file no decoder reads, and a photo wider than predict's limit (PRED_IMAGE_MAX_SIDE)."""
    from PIL import Image
    (tmp_path / "notes.jpg").write_text("a text file, not a photo\n")
    Image.new("RGB", (16385, 1)).save(tmp_path / "wide.png")
    for name, message in (("notes.jpg", "notes.jpg: not an image this browser can decode"),
                          ("wide.png", "wide.png: pred_image_check_size: the image is 16385x1 pixels, larger")):
        page.find_element("id", "file").send_keys(str(tmp_path / name))
        until(page, lambda d: text(d, "notice").startswith(f"{name}: "))
        assert page_state(page) == "error"
        assert text(page, "notice").startswith(message), text(page, "notice")


def test_camera_frame_is_classified(page, tmp_path):
    page.find_element("id", "camera").click()
    until(page, lambda d: d.find_element("id", "snap").is_displayed())
    page.find_element("id", "snap").click()
    assert wait(page, ("done", "error"), caption="camera frame") == "done", text(page, "notice")
    screenshot(page, tmp_path / "web-camera.png")
    assert len(top5(page)) == 5
    page.find_element("id", "stop").click()
    assert page.find_element("id", "camera").is_displayed()


def test_camera_denied_says_so(url):
    driver = chromium()     # no fake prompt: the permission set here decides
    try:
        driver.execute_cdp_cmd("Browser.setPermission", {
            "origin": url.rstrip("/"), "permission": {"name": "camera"}, "setting": "denied"})
        load(driver, url).find_element("id", "camera").click()
        until(driver, lambda d: d.find_element("id", "notice").is_displayed())
        assert text(driver, "notice").startswith("Camera access was denied: allow the camera for this page")
        assert not driver.find_element("id", "live").is_displayed()
    finally:
        driver.quit()


def test_missing_wasm_is_reported(browser, site, tmp_path):
    """The page served without predict/predict.wasm: the failure names the file and the 404."""
    folder = tmp_path / "site"
    for src in site.rglob("*"):
        if src.is_file() and src.name != "predict.wasm":
            (folder / src.relative_to(site)).parent.mkdir(parents=True, exist_ok=True)
            (folder / src.relative_to(site)).symlink_to(src)
    with serving(folder) as u:
        browser.get(u)
        assert wait(browser, ("ready", "failed")) == "failed"
        screenshot(browser, tmp_path / "web-no-wasm.png")
        assert text(browser, "status") == (
            f"The classifier could not start: predict: cannot load the WebAssembly module from "
            f"{u}predict/predict.wasm: HTTP 404 File not found (build it with build.sh, or pass init({{wasm}}))")
    assert browser.find_element("id", "file").get_attribute("disabled") == "true"

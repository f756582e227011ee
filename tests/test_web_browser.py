"""The staff web app in a real browser (Debian's chromium, driven by selenium), served by the
same WSGI server `serve` uses: set up a clinic with the keyboard, change its phone, see the
preview change, download the PDF, send to the outbox; axe-core finds no WCAG 2.2 A/AA
problem on any page."""

import threading
import urllib.request

import pytest

from helpers import chromium, needs_chromium, pdf_text

CLINIC = "cedar-valley-health"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [pytest.mark.slow, needs_chromium]


@pytest.fixture
def server(tmp_path):
    """`serve`'s app and server on a free port of 127.0.0.1, over an empty folder."""
    from waitress.server import create_server

    from iop_handouts.live_preview import Previewer
    from iop_handouts.web import create_app

    folder = tmp_path / "clinic"
    folder.mkdir()
    previewer = Previewer(folder)
    app = create_app(folder, previewer=previewer)
    running = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{running.effective_port}", folder
    running.close()
    previewer.close()


@pytest.fixture
def browser(tmp_path):
    driver = chromium(tmp_path / "profile")
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def no_accessibility_problems(driver) -> None:
    """axe-core (the copy the selenium-axe-python package ships) on the page as it is now."""
    from selenium_axe_python import Axe

    axe = Axe(driver)
    axe.inject()
    results = axe.run(options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    problems = [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
                for v in results["violations"]]
    assert not problems, f"{driver.current_url}: {problems}"
    assert results["passes"], "axe-core ran no rule"


def tab_to(driver, element_id: str, limit: int = 80) -> list[str]:
    """Press Tab until `element_id` has the focus; returns the ids passed on the way."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    seen = []
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.switch_to.active_element.get_attribute("id") or ""
        seen.append(focused)
        if focused == element_id:
            return seen
    raise AssertionError(f"Tab never reached #{element_id} (went through {seen})")


def type_keys(driver, text: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(text).perform()


def test_set_up_edit_preview_download_and_email_in_a_browser(server, browser, tmp_path):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.wait import WebDriverWait

    base, folder = server
    browser.get(base + "/")
    assert browser.current_url == base + "/setup"
    no_accessibility_problems(browser)

    # Set up with the keyboard alone: Tab from field to field, type, Enter to send.
    for field, text in (("name", "Cedar Valley Health"), ("address", "12 Elm Street"),
                        ("phone", "503-555-0142")):
        tab_to(browser, field)
        type_keys(browser, text)
    tab_to(browser, "state")
    type_keys(browser, "OR")
    tab_to(browser, "brand-color")
    type_keys(browser, "blue")        # a mistake, shown beside its field
    type_keys(browser, Keys.ENTER)
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "brand-color-error"))
    assert "not a colour" in browser.find_element(By.ID, "brand-color-error").text
    summary = browser.find_element(By.ID, "error-summary")
    assert summary.get_attribute("role") == "alert"
    no_accessibility_problems(browser)
    colour = browser.find_element(By.ID, "brand-color")
    colour.clear()
    colour.send_keys("#1F4E79", Keys.ENTER)

    WebDriverWait(browser, 90).until(lambda d: d.current_url.startswith(f"{base}/clinic/{CLINIC}"))
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".pages img"))
    first = WebDriverWait(browser, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: [p.get_attribute("data-key") for p in d.find_elements(By.CSS_SELECTOR, ".pages")])
    assert len(first) == 2
    assert all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
               for img in browser.find_elements(By.CSS_SELECTOR, ".pages img"))
    no_accessibility_problems(browser)

    # Change the phone (and give a sender for the email): the preview changes.
    browser.find_element(By.ID, "sender").send_keys("Cedar Valley Health <handouts@cedar.example.org>")
    phone = browser.find_element(By.ID, "phone")
    phone.clear()
    phone.send_keys("503-555-0199", Keys.ENTER)
    # The preview replaces its images as each language's pages arrive: an element found a
    # moment ago may be gone by the time it is read.
    WebDriverWait(browser, 90, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: [p.get_attribute("data-key") for p in d.find_elements(By.CSS_SELECTOR, ".pages")]
        not in ([], first))
    assert "Saved" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert 'phone: "503-555-0199"' in (folder / f"clinics/{CLINIC}.yaml").read_text()
    browser.save_screenshot(str(tmp_path / "clinic.png"))

    # Every page: focus shows, nothing wider than the window, no accessibility problem.
    for page in ("checks", "review", "build", "email"):
        browser.get(f"{base}/clinic/{CLINIC}/{page}")
        no_accessibility_problems(browser)

    # Build, then download the brochure the way a browser does.
    browser.get(f"{base}/clinic/{CLINIC}/build")
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    WebDriverWait(browser, 180).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".downloads a"))
    link = next(a for a in browser.find_elements(By.CSS_SELECTOR, ".downloads a")
                if a.text == "Brochure, English (United States), for the office printer")
    assert link.get_attribute("href").endswith("/en-US/brochure.pdf")
    with urllib.request.urlopen(link.get_attribute("href")) as response:
        assert response.headers["Content-Type"] == "application/pdf"
        downloaded = tmp_path / "brochure.pdf"
        downloaded.write_bytes(response.read())
    assert "(503) 555-0199" in pdf_text(downloaded)

    # Email: upload a list, see the dry run, send to the outbox.
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("email,name,region,language\n"
                          f"ana@example.org,Ana,us-or-{CLINIC},es\n")
    browser.get(f"{base}/clinic/{CLINIC}/email")
    browser.find_element(By.ID, "recipients").send_keys(str(recipients))
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    WebDriverWait(browser, 120).until(lambda d: d.find_elements(By.TAG_NAME, "table"))
    assert "ana@example.org" in browser.find_element(By.TAG_NAME, "table").text
    no_accessibility_problems(browser)
    assert not (folder / "output/outbox").exists() or not list((folder / "output/outbox").iterdir())
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    WebDriverWait(browser, 120).until(lambda d: "written to the outbox" in d.page_source)
    assert len(list((folder / "output/outbox").glob("*.eml"))) == 1

    # On a phone-sized screen no page is wider than the screen (tables scroll in their box).
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 380, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    for page in ("", "/checks", "/review", "/build", "/email"):
        browser.get(f"{base}/clinic/{CLINIC}{page}")
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"), page


def test_focus_is_visible_and_the_skip_link_works(server, browser):
    from selenium.webdriver.common.by import By

    base, _ = server
    browser.get(base + "/setup")
    tab_to(browser, "")     # the skip link, the page's first stop, has no id
    skip = browser.switch_to.active_element
    assert skip.text == "Skip to the main content" and skip.is_displayed()
    name = browser.find_element(By.ID, "name")
    name.click()
    style = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.boxShadow]",
        name)
    assert style[0] != "none" and style[1] != "0px" and "255, 191, 71" in style[2]
    # Every field has a label the browser itself ties to it.
    for field in browser.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, textarea"):
        assert browser.execute_script("return arguments[0].labels.length", field) >= 1, \
            field.get_attribute("id")

"""The web edition (output/<region>/<lang>/handout.html): written by every build, one page
that stands alone (nothing loaded from anywhere), its language set, every crisis number a
tel: or sms: link, landmarks and headings in order, alt text, everything the brochure says;
what `check` finds in a spoiled page; and, in a real browser on a phone-sized window,
axe-core's WCAG 2.2 A/AA rules, no sideways scrolling and the shipped font in use."""

import re
import shutil
from html import unescape

import pytest

from helpers import check_findings, CONTENT_DIR, editions_of, needs_chromium, normalise, printed_strings, run_cli
from iop_handouts.checks import run_checks
from iop_handouts.format_checks import _WebPage
from iop_handouts.paths import STYLES_DIR, TEMPLATES_DIR
from iop_handouts.render import Renderer, template_environment
from iop_handouts.web_edition import web_page

KEYS = ("us/en-US", "us/es-US", "ca-qc/fr-CA", "us-or/en-US")


def edition(key):
    [found] = [e for e in editions_of() if e.key == key]
    return found


def parsed(path) -> _WebPage:
    page = _WebPage()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def visible_text(html: str) -> str:
    html = re.sub(r"<(style|title)\b.*?</\1>", " ", html, flags=re.S)
    return normalise(unescape(re.sub(r"<[^>]+>", "", html)).replace("\u00a0", " "))


def test_every_build_writes_a_page_per_edition(built):
    pages = sorted(p.relative_to(built).as_posix() for p in built.glob("*/*/handout.html"))
    assert pages == sorted(f"{e.key}/handout.html" for e in editions_of())


@pytest.mark.parametrize("key", KEYS)
def test_a_page_that_stands_alone(built, key):
    found = edition(key)
    path = built / key / "handout.html"
    page = parsed(path)
    assert page.lang == found.language
    assert page.loads == [], "nothing is fetched: styles, fonts, icons and logo are inside"
    assert {"header", "main", "footer"} <= page.landmarks
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(page.headings, page.headings[1:])), page.headings
    assert page.images_without_alt == 0
    # Every crisis number and the emergency number: a link a phone can call or text.
    for contact in [*found.emergency, *(c for line in found.crisis_lines for c in line.contacts)]:
        assert contact.href in [link["href"] for link in page.links], contact.text
        if not contact.href.startswith("https://"):
            # A number a phone dials as it is: digits only, international form where long.
            assert re.fullmatch(r"(tel|sms):(\+[0-9]{8,15}|[0-9]{3,6})", contact.href), contact.href
    assert any(link["href"].startswith("tel:") and link["in_crisis"] for link in page.links)
    html = path.read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    # The shipped font, cut to the page's letters, and the icons, as data: addresses.
    assert html.count("data:font/ttf;base64,") == 2
    assert "data:image/svg+xml;base64," in html
    assert len(html.encode()) < 150_000


@pytest.mark.parametrize("key", KEYS)
def test_everything_the_brochure_says_and_the_checklists_questions(built, key):
    found = edition(key)
    text = visible_text((built / key / "handout.html").read_text(encoding="utf-8"))
    strings = printed_strings(brochure=found.brochure.model_dump())
    strings += [found.brochure.levels_of_care.description, found.disclaimer, found.clinic.name,
                found.checklist.title, found.checklist.closing, *found.checklist.steps,
                *(q.question for q in found.checklist.questions),
                *(line.name for line in found.crisis_lines)]
    for string in strings:
        assert normalise(string.replace("\u00a0", " ")) in text, string
    assert found.mark in text


def test_the_clinic_logo_is_inside_the_page(built):
    html = (built / "us-or/en-US/handout.html").read_text(encoding="utf-8")
    found = edition("us-or/en-US")
    assert re.search(r'<img class="logo" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" '
                     rf'alt="{re.escape(found.clinic.logo_alt)}">', html)


def test_the_same_edition_gives_the_same_bytes():
    environment = template_environment(TEMPLATES_DIR)
    found = edition("ca-qc/fr-CA")
    assert web_page(found, environment) == web_page(found, environment)


def test_check_finds_a_spoiled_page(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)

    def found(rule):
        return check_findings(out, rule)

    assert found("web.") == []
    page = out / "us/en-US/handout.html"
    html = page.read_text(encoding="utf-8")
    spoiled = html.replace('href="tel:988"', 'href="#"').replace(
        "</main>", '<img src="https://example.org/pixel.png" alt=""></main>').replace(
        '<html lang="en-US">', "<html>").replace("<h2", "<h4", 1)
    page.write_text(spoiled, encoding="utf-8")
    rules = {f.rule: f.problem for f in found("web.")}
    assert "988" in rules["web.crisis-links"]
    assert "https://example.org/pixel.png" in rules["web.offline"]
    assert "None" in rules["web.lang"]
    assert "h4" in rules["web.headings"]
    page.unlink()
    [missing] = found("web.page")
    assert missing.severity == "warning" and "not built" in missing.problem


def test_a_deleted_page_is_written_again(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    (out / "nz/en-NZ/handout.html").unlink()
    result = run_cli("build", "--out", out)
    assert result.exit_code == 0, result.output
    assert "1 web page (handout.html) updated" in result.output
    assert (out / "nz/en-NZ/handout.html").is_file()
    assert "Nothing to do" in run_cli("build", "--out", out).output


def test_the_catalog_links_each_page(built):
    catalog = (built / "index.html").read_text(encoding="utf-8")
    for found in editions_of():
        assert f'href="{found.key}/handout.html"' in catalog


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("key", ["us-or/es-US", "ca-qc/fr-CA", "us/ar", "us/zh-Hant", "us/ko"])
def test_in_a_browser_on_a_phone(built, tmp_path, key):
    """Opened from disk in chromium at 390 x 844 (a phone): axe-core's WCAG 2.2 A/AA rules
    find nothing, the page is no wider than the screen, the language's own face is the one in
    use (Arabic right to left), and the browser fetched nothing but the page."""
    from selenium_axe_python import Axe

    from helpers import chromium
    from iop_handouts.scripts import writing

    language = key.split("/")[1]
    face = writing(language).faces[0]

    driver = chromium(tmp_path / "profile", window="390,844")
    try:
        driver.get((built / key / "handout.html").as_uri())
        axe = Axe(driver)
        axe.inject()
        results = axe.run(options={"runOnly": {"type": "tag", "values": [
            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
        assert not results["violations"], [(v["id"], v["nodes"][0]["target"])
                                           for v in results["violations"]]
        assert results["passes"]
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        assert driver.execute_script(
            f"return document.fonts.check('20px \"{face}\"') && "
            f"[...document.fonts].some(f => f.family.includes('{face}') && f.status === 'loaded')")
        assert driver.execute_script(
            "return getComputedStyle(document.documentElement).direction") == \
            writing(language).direction
        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => !n.startsWith('data:'))")
        # axe's own script is injected, not fetched.
        assert fetched == [], fetched
        assert driver.execute_script("return document.querySelectorAll('a[href^=\"tel:\"]').length") >= 2
        driver.save_screenshot(str(tmp_path / "phone.png"))
    finally:
        driver.quit()


SPOILS = {
    "an event handler": ("<body>", '<body onload="fetch(\'https://evil.example/\')">', "web.unexpected"),
    "a script link": ('href="https://988lifeline.org"', 'href="javascript:alert(1)"', "web.unexpected"),
    "a frame": ("</main>", '<iframe src="data:text/html,x"></iframe></main>', "web.unexpected"),
    "a refresh": ("<head>", '<head><meta http-equiv="refresh" content="0;url=https://evil.example/">',
                  "web.unexpected"),
    "an escaped url() in the stylesheet": ("<style>/*", "<style>p { background: \\75rl(https://evil.example/x) }\n/*",
                                           "web.offline"),
    "an image-set()": ("<style>/*", "<style>p { background: image-set('https://evil.example/x' 1x) }\n/*",
                       "web.offline"),
    "a number shown other than it dials": ('href="tel:988">988<', 'href="tel:988">989<', "web.crisis-links"),
}


@pytest.mark.parametrize("spoil", SPOILS, ids=list(SPOILS))
def test_check_finds_what_the_page_is_not_made_with(built, tmp_path, spoil):
    old, new, rule = SPOILS[spoil]
    out = tmp_path / "out"
    shutil.copytree(built, out)
    page = out / "us/en-US/handout.html"
    html = page.read_text(encoding="utf-8")
    assert old in html, old
    page.write_text(html.replace(old, new, 1), encoding="utf-8")
    report = run_checks(CONTENT_DIR, out, STYLES_DIR, Renderer(), ("us",), ("en",))
    assert rule in {f.rule for f in report.findings if f.severity == "error"}, spoil


def test_check_wants_the_crisis_links_in_the_crisis_box(built, tmp_path):
    """Links left in the footer do not make up for a crisis box taken out."""
    out = tmp_path / "out"
    shutil.copytree(built, out)
    page = out / "us/en-US/handout.html"
    html = page.read_text(encoding="utf-8")
    start, end = html.index('<section class="crisis"'), html.index("</section>", html.index('<section class="crisis"'))
    box = html[start:end + len("</section>")]
    links = "".join(re.findall(r"<a [^>]*>[^<]*</a>", box))
    page.write_text(html.replace(box, "").replace("</footer>", links + "</footer>"), encoding="utf-8")
    report = run_checks(CONTENT_DIR, out, STYLES_DIR, Renderer(), ("us",), ("en",))
    assert "web.crisis-links" in {f.rule for f in report.findings}


def test_broken_markup_is_a_finding_not_a_crash(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    (out / "us/en-US/handout.html").write_text("<p><![foo[ x ]]></p>", encoding="utf-8")
    report = run_checks(CONTENT_DIR, out, STYLES_DIR, Renderer(), ("us",), ("en",))
    assert any(f.rule == "web.page" and "cannot read" in f.problem for f in report.findings)


def test_the_page_does_not_depend_on_the_clock(monkeypatch):
    """The fonts inside the page keep their own date: two builds at different times give the
    same bytes."""
    from fontTools.ttLib.tables import _h_e_a_d

    from iop_handouts import web_edition

    environment = template_environment(TEMPLATES_DIR)
    found = edition("us/en-US")
    monkeypatch.setattr(_h_e_a_d, "timestampNow", lambda: 1_000_000)
    web_edition._font_data.cache_clear()
    first = web_page(found, environment)
    monkeypatch.setattr(_h_e_a_d, "timestampNow", lambda: 2_000_000_000)
    web_edition._font_data.cache_clear()
    assert web_page(found, environment) == first


def test_a_changed_page_is_written_again(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    (out / "nz/en-NZ/handout.html").write_text("<p>stale</p>", encoding="utf-8")
    result = run_cli("build", "--out", out)
    assert "1 web page (handout.html) updated" in result.output
    assert "stale" not in (out / "nz/en-NZ/handout.html").read_text(encoding="utf-8")

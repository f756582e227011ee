"""The staff web app through Flask's test client: the set-up form checks each answer beside
its field, an edit keeps the clinic's files as written, the preview changes with an edit,
and nothing gets past the guards (CSRF, the host, the access token, paths, sizes).
A real browser drives it in test_web_browser.py."""

import html as html_module
import io
import re

import pytest
from PIL import Image

from helpers import pdf_text, run_cli

LOCAL = "http://127.0.0.1:8765"
CLINIC = "cedar-valley-health"
SETUP = {"name": "Cedar Valley Health", "address": "12 Elm Street\nSalem, OR 97301",
         "phone": "503-555-0142", "country": "US", "state": "OR"}
EDITION = f"us-or-{CLINIC}/en-US"
# The edit form is the set-up form with the languages to print ticked.
EDIT = {**SETUP, "languages": ["en-US", "es-US"]}


@pytest.fixture(scope="module")
def previewer(tmp_path_factory):
    """Warm preview workers shared by the module (as `serve` keeps them between edits)."""
    from iop_handouts.live_preview import Previewer

    folder = tmp_path_factory.mktemp("web") / "clinic"
    folder.mkdir()
    started = Previewer(folder)
    yield started
    started.close()


@pytest.fixture
def app(previewer, tmp_path):
    """The app over an empty folder, CSRF off (one test below turns it on)."""
    from iop_handouts.web import create_app

    folder = tmp_path / "clinic"
    folder.mkdir()
    previewer.content_dir = folder
    app = create_app(folder, previewer=previewer)
    app.config["WTF_CSRF_ENABLED"] = False
    app.folder = folder
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def set_up(client, **changes):
    response = client.post("/setup", base_url=LOCAL, data={**SETUP, **changes})
    assert response.status_code == 303, response.text
    return response


def errors(html: str) -> dict[str, str]:
    """The problems shown beside fields, by field."""
    return {name: html_module.unescape(re.sub(r"<[^>]+>", "", text)).strip()
            for name, text in re.findall(r'<p class="error" id="([\w-]+)-error">(.*?)</p>', html,
                                         re.S)}


def test_the_set_up_form_checks_each_answer_beside_its_field(client, app):
    response = client.post("/setup", base_url=LOCAL, data={
        **SETUP, "phone": "123", "brand-color": "yellow", "website": "not a site",
        "intake-email": "intake@"})
    assert response.status_code == 400
    shown = errors(response.text)
    assert set(shown) == {"phone", "brand-color", "website", "intake-email"}
    assert "'yellow' is not a colour written #RRGGBB" in shown["brand-color"]
    # Each field points at its own message, and the summary links to the field.
    assert re.search(r'id="phone"[^>]*aria-describedby="phone-hint phone-error"[^>]*'
                     r'aria-invalid="true"', response.text)
    assert 'href="#brand-color"' in response.text
    # Nothing was written, and what was typed is still in the form.
    assert not (app.folder / "clinics").exists()
    assert 'value="503-555-0142"' not in response.text and 'value="123"' in response.text


def test_set_up_writes_the_files_init_writes(client, app, tmp_path):
    response = set_up(client)
    assert response.location == f"/clinic/{CLINIC}"
    by_init = tmp_path / "by-init"
    result = run_cli("init", by_init, "--name", SETUP["name"], "--address", "12 Elm Street",
                     "--address", "Salem, OR 97301", "--phone", SETUP["phone"], "--country",
                     "US", "--state", "OR")
    assert result.exit_code == 0, result.output
    for name in (f"clinics/{CLINIC}.yaml", f"regions/us-or-{CLINIC}.yaml", "iop-handouts.yaml"):
        assert (app.folder / name).read_text() == (by_init / name).read_text(), name


def test_an_edit_keeps_comments_order_and_quoting_and_changes_the_preview(client, app):
    set_up(client)
    page = client.get(f"/clinic/{CLINIC}", base_url=LOCAL)
    assert page.status_code == 200
    before = re.findall(r'data-key="(\w+)"', page.text)
    assert len(before) == 2     # the brochure and the checklist
    clinic_file = app.folder / f"clinics/{CLINIC}.yaml"
    clinic_file.write_text(clinic_file.read_text().replace(
        'phone: "503-555-0142"', 'phone: "503-555-0142"   # the front desk'))

    response = client.post(f"/clinic/{CLINIC}", base_url=LOCAL, data={
        **EDIT, "phone": "503-555-0199", "hours": "Mon-Fri 8 am to 6 pm"})
    assert response.status_code == 303
    text = clinic_file.read_text()
    assert 'phone: "503-555-0199"   # the front desk' in text
    assert text.index("address:") < text.index("phone:") < text.index("hours:")
    assert text.startswith("# yaml-language-server: $schema=../schemas/clinic.schema.json\n")

    page = client.get(response.location, base_url=LOCAL)
    after = re.findall(r'data-key="(\w+)"', page.text)
    assert after[0] != before[0] and after[1] != before[1]
    # The images are the new ones, and they are pictures of pages.
    image = re.search(r'<img src="([^"]+brochure-1\.png[^"]+)"', page.text)[1]
    png = client.get(image.replace("&amp;", "&"), base_url=LOCAL)
    assert png.status_code == 200 and png.mimetype == "image/png"
    width, height = Image.open(io.BytesIO(png.data)).size
    assert (width, height) == (660, 510)    # a US Letter sheet, landscape, at 60 dpi


def test_an_edit_must_leave_a_language_to_print(client, app):
    set_up(client, languages=["en-US", "es-US"])
    response = client.post(f"/clinic/{CLINIC}", base_url=LOCAL, data={**SETUP, "languages": []})
    assert response.status_code == 400
    assert errors(response.text)["languages"] == "Fix this: choose at least one language to print"
    assert "languages: [en-US, es-US]" in (app.folder / f"regions/us-or-{CLINIC}.yaml").read_text()


def test_a_logo_upload_is_checked_and_downsampled(client, app):
    set_up(client)
    fake = {**EDIT, "logo-alt": "Cedar Valley Health logo",
            "logo": (io.BytesIO(b"MZ\x90\x00 not an image"), "logo.png")}
    response = client.post(f"/clinic/{CLINIC}", base_url=LOCAL, data=fake,
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "neither a PNG nor an SVG" in errors(response.text)["logo"]

    big = io.BytesIO()
    Image.new("RGB", (3000, 1000), "#1F4E79").save(big, format="PNG")
    no_alt = {**EDIT, "logo": (io.BytesIO(big.getvalue()), "logo.png")}
    response = client.post(f"/clinic/{CLINIC}", base_url=LOCAL, data=no_alt,
                           content_type="multipart/form-data")
    assert "describe the logo" in errors(response.text)["logo-alt"]

    good = {**EDIT, "logo-alt": "Cedar Valley Health logo",
            "logo": (io.BytesIO(big.getvalue()), "whatever.name")}
    response = client.post(f"/clinic/{CLINIC}", base_url=LOCAL, data=good,
                           content_type="multipart/form-data")
    assert response.status_code == 303, errors(response.text)
    saved = app.folder / f"clinics/{CLINIC}-logo.png"
    assert Image.open(saved).size == (1200, 400)
    text = (app.folder / f"clinics/{CLINIC}.yaml").read_text()
    assert f'path: "clinics/{CLINIC}-logo.png"' in text and 'alt: "Cedar Valley Health logo"' in text


def test_every_form_needs_its_csrf_token(app, client):
    set_up(client)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/clinic/{CLINIC}", base_url=LOCAL,
                           data={**EDIT, "phone": "503-555-0100"})
    assert response.status_code == 400
    assert "without its security token" in response.text
    assert "503-555-0100" not in (app.folder / f"clinics/{CLINIC}.yaml").read_text()
    for page in ("/setup", f"/clinic/{CLINIC}/review", f"/clinic/{CLINIC}/build",
                 f"/clinic/{CLINIC}/email"):
        html = client.get(page, base_url=LOCAL).text
        forms = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert forms and all('name="csrf_token"' in form for form in forms), page


def test_only_this_computer_by_default(client):
    """A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) is refused."""
    assert client.get("/setup", base_url="http://evil.example:8765").status_code == 403
    assert client.get("/setup", base_url="http://localhost:8765").status_code == 200


def test_with_host_the_access_token_is_needed(previewer, tmp_path):
    from iop_handouts.web import create_app

    app = create_app(tmp_path, token="s3cret-token", loopback_only=False, previewer=previewer)
    client = app.test_client()
    office = "http://frontdesk.clinic.lan:8765"
    assert client.get("/setup", base_url=office).status_code == 403
    assert client.get("/setup?token=guess", base_url=office).status_code == 403
    opened = client.get("/setup?token=s3cret-token", base_url=office)
    assert opened.status_code == 302 and opened.location == "/setup"  # gone from the address
    assert client.get("/setup", base_url=office).status_code == 200
    # Another browser without the token still gets nothing.
    assert app.test_client().get("/setup", base_url=office).status_code == 403


def test_no_request_reaches_outside_the_clinic_folder(client, app):
    set_up(client)
    (app.folder / "output").mkdir()
    for path in ("/download/../iop-handouts.yaml", "/download/..%2Fiop-handouts.yaml",
                 "/download/%2e%2e/%2e%2e/etc/passwd.pdf", "/download/..%2F..%2Fsecret.pdf",
                 "/download/us-or-cedar-valley-health/en-US/clinic.yaml",
                 "/clinic/..%2F..%2Fetc/checks", "/clinic/x/build"):
        response = client.get(path, base_url=LOCAL)
        assert response.status_code in (404, 308), path
        assert b"schema_version" not in response.data and b"root:" not in response.data


def test_uploads_are_limited_in_size(client, app):
    set_up(client)
    huge = {**EDIT, "logo-alt": "logo", "logo": (io.BytesIO(b"\0" * (7 * 1024 * 1024)), "l.png")}
    response = client.post(f"/clinic/{CLINIC}", base_url=LOCAL, data=huge,
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "too large" in response.text


def test_a_mistake_made_in_a_file_is_one_line_on_the_page(client, app):
    set_up(client)
    clinic_file = app.folder / f"clinics/{CLINIC}.yaml"
    clinic_file.write_text(clinic_file.read_text().replace("address:", "address: [oops"))
    response = client.get(f"/clinic/{CLINIC}", base_url=LOCAL)
    assert response.status_code == 400
    [line] = re.findall(r"<li>(.*?)</li>", response.text.split('role="alert"')[1], re.S)
    assert f"clinics/{CLINIC}.yaml, line" in line and "Traceback" not in response.text


def test_checks_link_each_finding_to_the_field_that_fixes_it(client, app):
    set_up(client)
    client.post(f"/clinic/{CLINIC}", base_url=LOCAL, data={**EDIT, "hours": "Mon-Fri 8 am to 6 pm"})
    page = client.get(f"/clinic/{CLINIC}/checks", base_url=LOCAL)
    assert page.status_code == 200
    row = next(r for r in re.findall(r"<tr class=\"warning\">.*?</tr>", page.text, re.S)
               if "print as written" in r)
    assert f'href="/clinic/{CLINIC}#hours">Fix the opening hours field</a>' in row


def test_review_and_approve_from_the_page(client, app):
    set_up(client)
    page = client.get(f"/clinic/{CLINIC}/review", base_url=LOCAL)
    assert f"clinics/{CLINIC}.yaml" in page.text and "draft:" in page.text
    response = client.post(f"/clinic/{CLINIC}/review", base_url=LOCAL, data={
        "file": f"clinics/{CLINIC}.yaml", "by": "Dana Reyes", "role": "editor"})
    assert response.status_code == 303
    approvals = (app.folder / "approvals.yaml").read_text()
    assert f"clinics/{CLINIC}.yaml" in approvals and "Dana Reyes" in approvals
    refused = client.post(f"/clinic/{CLINIC}/review", base_url=LOCAL, data={
        "file": "../../etc/passwd", "by": "Dana Reyes", "role": "editor"})
    assert refused.status_code == 400 and "Not approved" in refused.text
    # Each file can be read before it is approved; nothing else can be read this way.
    link = re.search(r'href="(/clinic/[^"]+/file\?name=shipped[^"]+common\.en\.yaml)"', page.text)
    shown = client.get(html_module.unescape(link[1]), base_url=LOCAL)
    assert shown.status_code == 200 and "crisis_heading" in shown.text
    for name in ("iop-handouts.yaml", "../iop-handouts.yaml", "/etc/passwd", "approvals.yaml"):
        assert client.get(f"/clinic/{CLINIC}/file", query_string={"name": name},
                          base_url=LOCAL).status_code == 404, name


@pytest.mark.slow
def test_build_download_and_email_to_the_outbox(client, app):
    set_up(client, sender="Cedar Valley Health <handouts@cedar.example.org>",
           languages=["en-US", "es-US"])
    built = client.post(f"/clinic/{CLINIC}/build", base_url=LOCAL, data={})
    assert "4 built" in built.text
    link = re.search(r'href="(/download/[^"]+/en-US/brochure\.pdf)"', built.text)[1]
    pdf = client.get(link, base_url=LOCAL)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    saved = app.folder / "downloaded.pdf"
    saved.write_bytes(pdf.data)
    assert "(503) 555-0142" in pdf_text(saved)  # the number as the handouts print it
    # The web page of each language is built with the PDFs, and can be downloaded too.
    page = re.search(r'href="(/download/[^"]+/es-US/handout\.html)"[^>]*>Web page, ', built.text)[1]
    html = client.get(page, base_url=LOCAL)
    assert html.status_code == 200 and b'<html lang="es-US">' in html.data
    assert "attachment" in html.headers["Content-Disposition"]
    # Large print when asked for: the office PDFs are up to date, the large print is new.
    large = client.post(f"/clinic/{CLINIC}/build", base_url=LOCAL, data={"large-print": "1"})
    assert "4 built, 4 up to date" in large.text
    assert re.search(r'/en-US/checklist-large-print\.pdf"[^>]*>Checklist, [^<]*, large print<',
                     large.text)

    recipients = (b"email,name,region,language\n"
                  b"ana@example.org,Ana,us-or-cedar-valley-health,es\n"
                  b"ben@example.org,,us-or-cedar-valley-health,en\n")
    dry = client.post(f"/clinic/{CLINIC}/email", base_url=LOCAL, content_type="multipart/form-data",
                      data={"recipients": (io.BytesIO(recipients), "list.csv")})
    assert dry.status_code == 200
    assert "Dry run: who would get what" in dry.text
    assert "ana@example.org" in dry.text and "us-or-cedar-valley-health/es-US" in dry.text
    # The dry run kept the list in memory only: no file anywhere holds an address from it.
    holding = [path for path in app.folder.rglob("*") if path.is_file()
               and b"ana@example.org" in path.read_bytes()]
    assert holding == []
    outbox = app.folder / "output" / "outbox"
    list_id = re.search(r'name="list" value="([^"]+)"', dry.text)[1]
    sent = client.post(f"/clinic/{CLINIC}/email", base_url=LOCAL,
                       data={"list": list_id, "action": "send", "via": "outbox"})
    assert "2 message(s) written to the outbox; nothing has been emailed yet" in sent.text
    assert len(list(outbox.glob("*.eml"))) == 2
    # The list is forgotten once sent: it cannot be sent again from the page.
    again = client.post(f"/clinic/{CLINIC}/email", base_url=LOCAL,
                        data={"list": list_id, "action": "send", "via": "outbox"})
    assert again.status_code == 400 and "no longer held" in again.text
    # A bad row blocks the send, named by its line.
    bad = client.post(f"/clinic/{CLINIC}/email", base_url=LOCAL, content_type="multipart/form-data",
                      data={"recipients": (io.BytesIO(b"email,region\nnot-an-address,us\n"),
                                           "list.csv")})
    assert "line 2" in bad.text and "nothing is sent while a row is not valid" in bad.text


def ctrl_c_as_in_a_shell():
    """A process started from this test run may inherit Ctrl-C ignored (a render worker's
    setting); a shell starts `serve` with it on, and so does this."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_serve_with_host_prints_the_address_with_its_token(tmp_path):
    """The command itself: a real server in its own process, reachable only with the token
    it prints, stopped cleanly by Ctrl-C."""
    import http.cookiejar
    import signal
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    from helpers import PROJECT

    server = subprocess.Popen(
        [sys.executable, str(PROJECT / "generate.py"), "serve", str(tmp_path / "clinic"),
         "--host", "127.0.0.1", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=ctrl_c_as_in_a_shell)
    try:
        first = server.stdout.readline()
        address = re.search(r"open (http://127\.0\.0\.1:\d+/\?token=[\w-]+)", first)
        assert address, first
        base = address[1].split("?")[0]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "setup", timeout=60)
        assert refused.value.code == 403
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(address[1], timeout=120) as page:
            assert page.status == 200 and page.url == base + "setup"
            assert "<h1>Set up a clinic</h1>" in page.read().decode()
            assert "token" not in page.url
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=120)
    assert server.returncode == 0, output
    assert "Traceback" not in output


def test_a_hand_made_post_cannot_break_the_files(client, app):
    """A line break (which a text box never sends, but a hand-made request can), a
    noncharacter YAML refuses, a name YAML would read as true or a number: each is refused
    or written as text, and the files still load."""
    for name, value in (("name", "Acme\npaper: a4\n#"), ("hours", "Mon \ufffe Fri"),
                        ("sender", "Ann\r\nBcc: x@example.org <a@example.org>")):
        response = client.post("/setup", base_url=LOCAL, data={**SETUP, name: value})
        assert response.status_code == 400
        key = "intake-email" if name == "intake_email" else name
        assert "holds a line break" in errors(response.text)[key]
    assert not (app.folder / "regions").exists()
    response = client.post("/setup", base_url=LOCAL, data={**SETUP, "name": "True"})
    assert response.status_code == 303 and response.location == "/clinic/true"
    assert client.get("/clinic/true", base_url=LOCAL).status_code == 200
    refused = client.post("/clinic/true/review", base_url=LOCAL, data={
        "file": "clinics/true.yaml", "by": "Ann \ufffe", "role": "editor"})
    assert refused.status_code == 400 and not (app.folder / "approvals.yaml").exists()


@pytest.mark.slow
def test_serve_without_host_is_this_computer_only(tmp_path):
    import signal
    import subprocess
    import sys

    from helpers import PROJECT

    server = subprocess.Popen(
        [sys.executable, str(PROJECT / "generate.py"), "serve", str(tmp_path / "clinic"),
         "--port", "0", "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, preexec_fn=ctrl_c_as_in_a_shell)
    try:
        first = server.stdout.readline()
        assert re.search(r"http://127\.0\.0\.1:\d+/ \(this computer only\)", first), first
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=120)
    assert server.returncode == 0 and "Traceback" not in output, output

"""Emailing the handouts: against a real SMTP server (aiosmtpd) on 127.0.0.1."""

import email
import email.policy
import shutil
import socket
import ssl
import threading

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from helpers import run_cli

PASSWORD = "correct horse battery staple"


# --- a real SMTP server, scripted to misbehave -----------------------------------------------

class Handler:
    """Accepts mail, unless told to answer RCPT or DATA otherwise first."""

    def __init__(self, rcpt_replies=(), data_actions=(), refuse=()):
        self.messages = []
        self.rcpt_replies = list(rcpt_replies)
        self.data_actions = list(data_actions)
        self.refuse = set(refuse)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        with self.lock:
            reply = self.rcpt_replies.pop(0) if self.rcpt_replies else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            action = self.data_actions.pop(0) if self.data_actions else None
        if action == "drop":
            server.transport.close()  # the connection dies in the middle of DATA
            return "421 closing"
        if action:
            return action
        self.messages.append((envelope.rcpt_tos[:], envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A test certificate authority the client trusts (through SSL_CERT_FILE)."""
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    return server_context


@pytest.fixture
def smtp_server():
    controllers = []

    def start(handler=None, **options):
        handler = handler or Handler()
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        controllers.append(controller)
        return handler, controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def output(built, tmp_path):
    """An output folder holding the built handouts (up to date, so nothing rebuilds)."""
    out = tmp_path / "output"
    shutil.copytree(built, out)
    return out


def send(output, *args, env=None):
    return run_cli("email", "--out", output, "--retry-delay", "0", *args, env=env or {})


def log_events(output, event):
    import json
    path = output / "send-log.jsonl"
    if not path.exists():
        return []
    return [entry for entry in map(json.loads, path.read_text().splitlines())
            if entry["event"] == event]


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def attachments(message):
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


# --- outbox (the default) --------------------------------------------------------------------

def test_outbox_messages_carry_the_pdfs_and_the_crisis_lines(output):
    result = send(output, "--to", "Ana Diaz <ana@example.org>", "--region", "us", "--lang", "es")
    assert result.exit_code == 0, result.output
    [eml] = list((output / "outbox").glob("*.eml"))
    message = parse(eml.read_bytes())
    assert message["To"] == "Ana Diaz <ana@example.org>"
    assert message["Subject"].startswith("Información")
    assert message["Message-ID"] and message["Date"] and message["Content-Language"] == "es-US"
    assert not message["Cc"] and not message["Bcc"]
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Hola, Ana Diaz:")
    for number in ("911", "988", "988lifeline.org", "838255", "1-800-662-4357"):
        assert number in body
    # Each PDF is attached under its title, as a file name any system accepts.
    from iop_handouts.content import ContentSet
    from iop_handouts.mail import readable_filename
    edition = ContentSet().edition("us", "es")
    files = attachments(message)
    assert files == {
        readable_filename(edition.brochure.title): (output / "us/es-US/brochure.pdf").read_bytes(),
        readable_filename(edition.checklist.title): (output / "us/es-US/checklist.pdf").read_bytes(),
    }
    assert readable_filename(edition.brochure.title) == \
        "Programa intensivo ambulatorio (IOP).pdf"


def test_html_body_loads_nothing_from_anywhere(output):
    assert send(output, "--to", "a@example.org").exit_code == 0
    [eml] = list((output / "outbox").glob("*.eml"))
    html = parse(eml.read_bytes()).get_body(("html",)).get_content()
    lowered = html.lower()
    for remote in ("src=", "<link", "url(", "@import", "<img", "<script", "<iframe", "<object"):
        assert remote not in lowered, remote
    assert "988lifeline.org" in html and 'href="tel:988"' in html


def test_rerun_sends_nothing_new_and_resend_sends_again(output):
    assert send(output, "--to", "a@example.org").exit_code == 0
    again = send(output, "--to", "a@example.org")
    assert again.exit_code == 0 and "already sent" in again.output and "0 sent" in again.output
    assert len(list((output / "outbox").glob("*.eml"))) == 1
    resent = send(output, "--to", "a@example.org", "--resend")
    assert "1 sent" in resent.output
    assert len(log_events(output, "delivered")) == 2


def test_final_sends_no_draft(output):
    result = send(output, "--to", "a@example.org", "--region", "gb", "--final")
    assert result.exit_code == 2
    assert "gb/en-GB: not approved as it is now (a draft); nothing was sent" in result.output
    assert not (output / "outbox").exists() and not (output / "send-log.jsonl").exists()


def test_dry_run_lists_who_gets_what_and_sends_nothing(output):
    result = send(output, "--to", "a@example.org", "--to", "b@example.org", "--region", "gb",
                  "--dry-run")
    assert result.exit_code == 0
    assert result.output.count("would send") == 2
    assert "Intensive Outpatient Programme (IOP).pdf (" in result.output and "KB" in result.output
    assert not (output / "outbox").exists() and not (output / "send-log.jsonl").exists()


def test_csv_with_bad_rows_sends_nothing_and_names_the_lines(output, tmp_path):
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("email,name,region,language\n"
                          "ana@example.org,Ana,us,es\n"
                          "not-an-address,Bo,us,en\n"
                          "cy@example.org,Cy,atlantis,en\n"
                          "di@example.org,Di,ca,es\n"
                          "ed@example.org,Ed,ca-qc,\n")
    result = send(output, "--csv", recipients)
    assert result.exit_code == 2
    assert "recipients.csv, line 3: not-an-address" in result.output
    assert "line 4: cy@example.org: no region 'atlantis'" in result.output
    assert "line 5: di@example.org: region 'ca' has no 'es' edition" in result.output
    assert "nothing was sent" in result.output and not (output / "outbox").exists()

    skipped = send(output, "--csv", recipients, "--skip-invalid")
    assert skipped.exit_code == 0 and "2 sent" in skipped.output
    languages = sorted(parse(p.read_bytes())["Content-Language"] for p in (output / "outbox").glob("*.eml"))
    assert languages == ["es-US", "fr-CA"]   # Québec's first language when the row gives none


def test_message_over_the_size_limit_is_not_sent(output):
    result = send(output, "--to", "a@example.org", "--max-size", "0.05")
    assert result.exit_code == 1
    assert "over the 0.05 MB limit; nothing was sent" in result.output
    assert not (output / "outbox").exists() or not list((output / "outbox").glob("*.eml"))


def test_address_checks_make_no_network_lookups(monkeypatch):
    import dns.resolver

    from iop_handouts.mail import check_address

    def no_network(*args, **kwargs):
        raise AssertionError("tried to look up DNS")
    monkeypatch.setattr(dns.resolver, "resolve", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    assert check_address("Someone@Example.org") == "Someone@example.org"


def test_stale_pdfs_are_built_before_sending(tmp_path):
    out = tmp_path / "fresh"
    result = send(out, "--to", "a@example.org", "--region", "nz")
    assert result.exit_code == 0, result.output
    [eml] = list((out / "outbox").glob("*.eml"))
    assert set(attachments(parse(eml.read_bytes())).values()) == {
        (out / "nz/en-NZ/brochure.pdf").read_bytes(), (out / "nz/en-NZ/checklist.pdf").read_bytes()}


# --- a real SMTP server ----------------------------------------------------------------------

def test_plain_smtp_delivers_one_message_per_recipient(output, smtp_server):
    handler, port = smtp_server()
    result = send(output, "--to", "a@example.org", "--to", "b@example.org",
                  "--smtp-host", "127.0.0.1", "--smtp-port", port)
    assert result.exit_code == 0, result.output
    assert [rcpts for rcpts, _ in handler.messages] == [["a@example.org"], ["b@example.org"]]
    for rcpts, raw in handler.messages:
        message = parse(raw)
        assert "b@example.org" not in raw.decode(errors="replace") or rcpts == ["b@example.org"]
        assert "a@example.org" not in raw.decode(errors="replace") or rcpts == ["a@example.org"]
        assert set(attachments(message).values()) == {
            (output / "us/en-US/brochure.pdf").read_bytes(), (output / "us/en-US/checklist.pdf").read_bytes()}
        assert "Call or text 988" in message.get_body(("plain",)).get_content()
    again = send(output, "--to", "a@example.org", "--to", "b@example.org",
                 "--smtp-host", "127.0.0.1", "--smtp-port", port)
    assert "0 sent" in again.output and len(handler.messages) == 2


def test_starttls_with_login(output, smtp_server, tls):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"clinic" \
            and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)

    handler, port = smtp_server(tls_context=tls, require_starttls=True,
                                authenticator=authenticator, auth_required=True)
    result = send(output, "--to", "a@example.org", "--region", "ca-qc",
                  "--smtp-host", "127.0.0.1", "--smtp-port", port, "--starttls",
                  "--smtp-user", "clinic", env={"IOP_SMTP_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    [(_, raw)] = handler.messages
    assert parse(raw)["Content-Language"] == "fr-CA"

    wrong = send(output, "--to", "b@example.org", "--smtp-host", "127.0.0.1", "--smtp-port", port,
                 "--starttls", "--smtp-user", "clinic", env={"IOP_SMTP_PASSWORD": "not-it-x9"})
    assert wrong.exit_code != 0 and "refused the login for 'clinic' (535)" in wrong.output
    assert "not-it-x9" not in wrong.output and len(handler.messages) == 1


def test_login_needs_the_password_in_the_environment(output, smtp_server):
    _, port = smtp_server()
    result = send(output, "--to", "a@example.org", "--smtp-host", "127.0.0.1",
                  "--smtp-port", port, "--smtp-user", "clinic")
    assert result.exit_code == 2 and "IOP_SMTP_PASSWORD" in result.output


def test_implicit_tls(output, smtp_server, tls):
    handler, port = smtp_server(ssl_context=tls)
    result = send(output, "--to", "a@example.org", "--smtp-host", "127.0.0.1",
                  "--smtp-port", port, "--ssl")
    assert result.exit_code == 0, result.output
    assert len(handler.messages) == 1


def test_server_down_is_reported_per_recipient(output):
    port = free_port()  # nothing listens here
    result = send(output, "--to", "a@example.org", "--to", "b@example.org",
                  "--smtp-host", "127.0.0.1", "--smtp-port", port, "--retries", "2")
    assert result.exit_code == 1
    assert "failed       a@example.org [us/en-US]: cannot connect to smtp://127.0.0.1" in result.output
    assert "gave up after 3 tries" in result.output
    assert "failed       b@example.org [us/en-US]: not sent: cannot connect" in result.output
    assert "0 sent" in result.output and "2 failed" in result.output
    # Each try is on record, with the certainty that it did not go.
    assert log_events(output, "delivered") == []
    assert len(log_events(output, "attempt")) == len(log_events(output, "not-sent")) == 3


def test_temporary_failure_is_retried_then_delivered(output, smtp_server):
    handler, port = smtp_server(Handler(rcpt_replies=["451 4.3.0 Try again later"]))
    result = send(output, "--to", "a@example.org", "--smtp-host", "127.0.0.1", "--smtp-port", port)
    assert result.exit_code == 0, result.output
    assert "after 2 tries" in result.output and len(handler.messages) == 1


def test_permanent_failure_is_reported_and_the_others_are_sent(output, smtp_server):
    handler, port = smtp_server(Handler(refuse={"gone@example.org"}))
    result = send(output, "--to", "gone@example.org", "--to", "b@example.org",
                  "--smtp-host", "127.0.0.1", "--smtp-port", port)
    assert result.exit_code == 1
    assert "failed       gone@example.org [us/en-US]: the server refused the address: 550" in result.output
    assert "1 sent" in result.output and "1 failed" in result.output
    assert [rcpts for rcpts, _ in handler.messages] == [["b@example.org"]]
    rerun = send(output, "--to", "gone@example.org", "--to", "b@example.org",
                 "--smtp-host", "127.0.0.1", "--smtp-port", port)
    assert "1 already sent" in rerun.output and len(handler.messages) == 1


def test_connection_dropped_during_data_is_retried(output, smtp_server):
    handler, port = smtp_server(Handler(data_actions=["drop"]))
    result = send(output, "--to", "a@example.org", "--smtp-host", "127.0.0.1", "--smtp-port", port)
    assert result.exit_code == 0, result.output
    assert "after 2 tries" in result.output
    [(_, raw)] = handler.messages
    assert set(attachments(parse(raw)).values()) == {
        (output / "us/en-US/brochure.pdf").read_bytes(), (output / "us/en-US/checklist.pdf").read_bytes()}


# --- hostile or careless input ---------------------------------------------------------------

@pytest.mark.parametrize("written, problem", [
    ("Ana: x@evil.org <ana@example.org>", ""),          # a group, or two addresses
    ("evil@x.org, ana@example.org", "holds 2 addresses"),
    ("Ana <ana@example.org>\r\nBcc: evil@x.org", "line break"),
    ("josé@example.org", "not plain ASCII"),
])
def test_to_takes_exactly_one_mailbox(output, written, problem):
    result = send(output, "--to", written)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "nothing was sent" in result.output and problem in result.output
    assert not (output / "outbox").exists()


def test_to_sends_to_the_address_it_shows(output):
    assert send(output, "--to", '"Ana Diaz" <ana@example.org>').exit_code == 0
    [eml] = list((output / "outbox").glob("*.eml"))
    message = parse(eml.read_bytes())
    assert [a.addr_spec for a in message["To"].addresses] == ["ana@example.org"]


def test_names_cannot_carry_addresses_or_headers(output, tmp_path):
    recipients = tmp_path / "recipients.csv"
    recipients.write_text('email,name,region,language\n'
                          'ana@example.org,"Zoë <evil@x.org>",us,en\n'
                          'bo@example.org,"evil@x.org, Zoë",us,en\n'
                          'cy@example.org,"Cy\r\nBcc: evil@x.org",us,en\n'
                          'di@exämple.org,Di,us,en\n', encoding="utf-8")
    result = send(output, "--csv", recipients, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "recipients.csv, line 4: cy@example.org: the name holds a line break" in result.output
    messages = [parse(p.read_bytes()) for p in (output / "outbox").glob("*.eml")]
    sent_to = sorted(a.addr_spec for m in messages for a in m["To"].addresses)
    # The international domain travels in its IDNA form; the names stay names.
    assert sent_to == ["ana@example.org", "bo@example.org", "di@xn--exmple-cua.org"]
    assert all(not m["Bcc"] and not m["Cc"] for m in messages)
    assert "evil@x.org" not in {a.addr_spec for m in messages for a in m["To"].addresses}


@pytest.mark.parametrize("encoding, expected", [
    ("latin-1", "line 2: the file is not UTF-8"), ("utf-16", "the file is UTF-16")])
def test_a_csv_in_another_encoding_is_one_clear_error(output, tmp_path, encoding, expected):
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("email,name,region,language\nana@example.org,Zoë,us,en\n",
                          encoding=encoding)
    result = send(output, "--csv", recipients)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert expected in result.output and "save it as UTF-8" in result.output


def test_a_csv_with_a_byte_order_mark_is_read(output, tmp_path):
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("email,name,region,language\nana@example.org,Zoë,us,en\n",
                          encoding="utf-8-sig")
    assert send(output, "--csv", recipients).exit_code == 0


def test_the_send_log_keeps_no_address(output):
    assert send(output, "--to", "Ana Diaz <ana@example.org>").exit_code == 0
    log = (output / "send-log.jsonl").read_text()
    assert "ana@example.org" not in log and "Ana" not in log
    assert (output / "send-log.key").stat().st_mode & 0o777 == 0o600
    # Still, the same message is known again.
    assert "1 already sent" in send(output, "--to", "ana@example.org").output


def test_a_failing_send_log_stops_the_run_and_nobody_gets_it_more_than_twice(output):
    """The log cannot be written (a full disk, say) after the message went: the run stops
    with one line and sends nothing more; reruns send it at most once more, however often
    they fail the same way."""
    import iop_handouts.mail as mail

    real_record = mail.SendLog.record

    def full_disk_after_sending(self, entry):
        if entry["event"] == "delivered":
            raise mail.SendLogError(f"cannot write the send log {self.path}: "
                                    f"No space left on device")
        return real_record(self, entry)

    outputs = []
    for run in range(3):
        mail.SendLog.record = full_disk_after_sending
        try:
            outputs.append(send(output, "--to", "a@example.org", "--to", "b@example.org"))
        finally:
            mail.SendLog.record = real_record
        assert outputs[-1].exit_code == 1 and "Traceback" not in outputs[-1].output
    assert "No space left on device" in outputs[0].output and "0 sent before this" in outputs[0].output
    # a@example.org was tried on the first two runs only; the third refused it and went on.
    attempts = log_events(output, "attempt")
    first_key = attempts[0]["key"]
    assert [a["key"] for a in attempts].count(first_key) == 2
    assert "a@example.org [us/en-US]: earlier tries may have gone out" in outputs[2].output


def test_plain_smtp_login_is_refused_unless_asked(output, smtp_server):
    _, port = smtp_server()
    result = send(output, "--to", "a@example.org", "--smtp-host", "127.0.0.1",
                  "--smtp-port", port, "--smtp-user", "clinic",
                  env={"IOP_SMTP_PASSWORD": "secret-pw"})
    assert result.exit_code == 2 and "refusing to log in over plain SMTP" in result.output
    assert "secret-pw" not in result.output


def test_the_outbox_can_be_purged(output):
    import os
    import time
    assert send(output, "--to", "a@example.org").exit_code == 0
    assert send(output, "--to", "b@example.org").exit_code == 0
    [old, new] = sorted((output / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime)
    forty_days_ago = time.time() - 40 * 86400
    os.utime(old, (forty_days_ago, forty_days_ago))
    assert send(output, "--to", "c@example.org").exit_code == 0
    assert not old.exists() and new.exists()       # older than --outbox-days (30)
    purged = send(output, "--purge-outbox")
    assert purged.exit_code == 0 and "Deleted 2 message(s)" in purged.output
    assert not list((output / "outbox").glob("*.eml"))

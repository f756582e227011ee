"""Mail stage: messages made from built PDFs, delivered to an outbox folder or over SMTP.

Nothing lost, nothing twice:
- every address is checked before anything is sent;
- a send log (JSON lines) records each delivered message, so a rerun sends nothing new;
- temporary failures (4xx replies, dropped connections) are retried with backoff;
- permanent failures (5xx, a rejected address) are reported per recipient.
"""

import csv
import hashlib
import hmac
import json
import os
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import formatdate, make_msgid
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from .languages import matches
from .content import ContentSet, Edition
from .documents import DOCUMENTS
from .clinic_folder import open_content
from .errors import HandoutError
from .paths import CONTENT_DIR, DEFAULT_OUTPUT_DIR, TEMPLATES_DIR, display_path
from .bidi import isolate_ltr_runs, isolate_ltr_text
from .render import template_environment

PASSWORD_ENVIRONMENT_VARIABLE = "IOP_SMTP_PASSWORD"
DEFAULT_OUTBOX_DAYS = 30
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CSV_COLUMNS = ("email", "name", "region", "language")


# --- recipients ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    region: str
    language: str
    # The address as it goes on the wire when the server lacks SMTPUTF8: the domain in its
    # IDNA (xn--) form. None when the local part itself is not ASCII (SMTPUTF8 is needed).
    ascii_email: str | None = None

    @property
    def edition_key(self) -> str:
        return f"{self.region}/{self.language}"


@dataclass(frozen=True)
class RecipientProblem:
    where: str      # "line 4" of a CSV file, or "--to"
    address: str
    problem: str
    # A blocking problem stops the send (unless --skip-invalid); others are only reported.
    blocking: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {self.address or '(no address)'}: {self.problem}"


def checked_address(address: str):
    """email-validator's result (normalized, ascii_email) for an address, international ones
    included; EmailNotValidError otherwise. No DNS look-ups: clinic networks are often locked
    down, and a syntax check is what can be known before sending."""
    return validate_email(address, check_deliverability=False, allow_smtputf8=True)


def check_address(address: str) -> str:
    """The normalised address, or EmailNotValidError."""
    return checked_address(address).normalized


# Control characters (CR and LF above all: they would start a new header) and characters
# that hide or reorder text have no place in a name on an envelope.
UNSAFE_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e"
                            "\u2066-\u2069\ufeff]")


def parse_mailbox(written: str) -> tuple[str | None, str]:
    """One mailbox, 'address' or 'Name <address>', parsed as an email header would be:
    exactly one address, no groups ('Team: a@x, b@y;'), nothing left over. Raises ValueError
    saying what is wrong."""
    from email.headerregistry import HeaderRegistry

    if UNSAFE_IN_NAME.search(written):
        raise ValueError("holds a line break or another control character")
    header = HeaderRegistry()("To", written)
    if any(type(defect).__name__ == "NonASCIILocalPartDefect" for defect in header.defects):
        raise ValueError("the part before @ is not plain ASCII; such addresses need SMTPUTF8, "
                         "which these handouts are not sent with: ask for another address")
    if header.defects:
        raise ValueError(f"is not one address as an email header writes it "
                         f"({header.defects[0].__class__.__name__})")
    if any(group.display_name is not None for group in header.groups):
        raise ValueError("is a group of addresses ('Name: ...;'); give one address")
    if len(header.addresses) != 1:
        raise ValueError(f"holds {len(header.addresses)} addresses; give exactly one")
    [mailbox] = header.addresses
    if not mailbox.addr_spec or "@" not in mailbox.addr_spec:
        raise ValueError("has no address")
    return mailbox.display_name or None, mailbox.addr_spec


def recipients_from_addresses(addresses, region: str, language: str, content: ContentSet):
    """--to addresses, each exactly one mailbox: 'address' or 'Name <address>'."""
    recipients, problems = [], []
    for written in addresses:
        try:
            name, address = parse_mailbox(written)
        except ValueError as exc:
            problems.append(RecipientProblem("--to", written, str(exc)))
            continue
        _add(recipients, problems, "--to", address, name, region, language, content)
    return recipients, problems


def recipients_from_csv(path: Path, content: ContentSet, default_language=None):
    """Rows of email,name,region,language (a header row is required)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise HandoutError(f"{path}: cannot read the recipient list ({exc.strerror})") from None
    return recipients_from_csv_bytes(raw, Path(path), content)


def recipients_from_csv_bytes(raw: bytes, path: Path, content: ContentSet):
    """The same from the file's bytes (an upload to the web app, never written to disk);
    `path` only names it in messages."""
    import io

    recipients, problems = [], []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise HandoutError(f"{path}: the file is UTF-16; save it as UTF-8 (in Excel: "
                           f"'CSV UTF-8')")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise HandoutError(f"{path}, line {line}: the file is not UTF-8 (byte "
                           f"0x{raw[exc.start]:02x}); save it as UTF-8 (in Excel: "
                           f"'CSV UTF-8')") from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in ("email", "region") if c not in header]
        if missing:
            raise HandoutError(f"{path}, line 1: the header needs the columns "
                               f"{', '.join(CSV_COLUMNS)} (missing: {', '.join(missing)})")
        reader.fieldnames = header
        previous_line = reader.line_num
        for row in reader:
            # A quoted field may span lines: a row is named by the line it starts on.
            where = f"{path.name}, line {previous_line + 1}"
            previous_line = reader.line_num
            if not any((v or "").strip() for v in row.values()):
                continue
            language = (row.get("language") or "").strip() or None
            name = (row.get("name") or "").strip() or None
            address = (row.get("email") or "").strip()
            if name and UNSAFE_IN_NAME.search(name):
                problems.append(RecipientProblem(where, address, "the name holds a line break "
                                                 "or another control character"))
                continue
            _add(recipients, problems, where, address, name,
                 (row.get("region") or "").strip(), language, content)
    return recipients, problems


def _add(recipients, problems, where, address, name, region, language, content):
    try:
        checked = checked_address(address)
    except EmailNotValidError as exc:
        problems.append(RecipientProblem(where, address, str(exc)))
        return
    email = checked.normalized
    if checked.ascii_email is None:
        problems.append(RecipientProblem(where, address, "the part before @ is not plain ASCII; "
                                         "such addresses need SMTPUTF8, which these handouts "
                                         "are not sent with: ask for another address"))
        return
    if not content.region_path(region).exists() or region.startswith("_"):
        problems.append(RecipientProblem(where, address, f"no region '{region}'"))
        return
    _, known, _ = content.region(region)
    # "es" stands for the region's Spanish edition ("es-US"); "zh" is Simplified or
    # Traditional Chinese, so it must be named.
    candidates = [tag for tag in known.languages if matches(tag, (language,))] if language \
        else known.languages[:1]
    if language not in known.languages and len(candidates) > 1:
        problems.append(RecipientProblem(
            where, address, f"'{language}' is more than one of region '{region}''s editions "
                            f"({', '.join(candidates)}); name the one to send"))
        return
    language = language if language in known.languages or not candidates else candidates[0]
    if language not in known.languages:
        problems.append(RecipientProblem(
            where, address, f"region '{region}' has no '{language}' edition "
                            f"(it has {', '.join(known.languages)})"))
        return
    recipient = Recipient(email, name, region, language, checked.ascii_email)
    if recipient in recipients:
        problems.append(RecipientProblem(where, address, "listed twice; it will be sent once",
                                         blocking=False))
        return
    recipients.append(recipient)


# --- messages --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attachment:
    document: str
    title: str
    filename: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def attachments_for(edition: Edition, pdf_paths: dict[str, Path]) -> list[Attachment]:
    return [Attachment(name, document.title(edition), readable_filename(document.title(edition)),
                       Path(pdf_paths[name]).read_bytes())
            for name, document in DOCUMENTS.items()]


def readable_filename(title: str) -> str:
    """'Intensive Outpatient Program (IOP)' -> 'Intensive Outpatient Program (IOP).pdf': the
    title as written, less the characters some systems refuse in a file name."""
    name = re.sub(r'[\\/:*?"<>|]+', "", title)
    return re.sub(r"\s+", " ", name).strip() + ".pdf"


class MessageMaker:
    def __init__(self, templates_dir: Path):
        self.environment = template_environment(templates_dir)

    def make(self, edition: Edition, recipient: Recipient, attachments: list[Attachment],
             sender: Address) -> EmailMessage:
        text = edition.email
        greeting = text.greeting.format(name=recipient.name) if recipient.name \
            else text.greeting_no_name
        context = {"edition": edition, "greeting": greeting, "attachments": attachments}
        message = EmailMessage()
        # Addresses go in as Address objects, never as formatted strings, so a name cannot
        # carry another address or a header. One recipient per message: nobody sees who else
        # got the handouts. An international domain travels in its IDNA (xn--) form.
        message["From"] = sender
        message["To"] = Address(display_name=recipient.name or "",
                                addr_spec=recipient.ascii_email or recipient.email)
        message["Subject"] = text.subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=sender.domain or "localhost")
        text_body = self.environment.get_template("email.txt").render(context)
        html_body = self.environment.get_template("email.html").render(context)
        if edition.direction == "rtl":
            # Numbers and Latin names in right-to-left text kept left to right (bidi.py):
            # "1-800-662-4357", never "4357-662-800-1".
            text_body, html_body = isolate_ltr_text(text_body), isolate_ltr_runs(html_body)
        message.set_content(text_body)
        message.add_alternative(html_body, subtype="html")
        for attachment in attachments:
            message.add_attachment(attachment.data, maintype="application", subtype="pdf",
                                   filename=attachment.filename)
        # Last: adding content moves or clears the Content-* headers already set.
        message["Content-Language"] = edition.language
        return message


def default_sender(edition: Edition) -> Address | None:
    """'Clinic name <handouts@clinic-domain>' when the clinic has a website."""
    if not edition.clinic.website:
        return None
    domain = edition.clinic.website.text.split("/")[0]
    return Address(display_name=edition.clinic.name, addr_spec=f"handouts@{domain}")


def sender_address(written: str) -> Address:
    """--from, as one checked mailbox; MailInputError otherwise."""
    try:
        name, address = parse_mailbox(written)
        checked = checked_address(address)
    except (ValueError, EmailNotValidError) as exc:
        raise MailInputError(f"--from '{written}': {exc}") from None
    if checked.ascii_email is None:
        raise MailInputError(f"--from '{written}': the part before @ must be plain ASCII")
    return Address(display_name=name or "", addr_spec=checked.ascii_email)


# --- delivery --------------------------------------------------------------------------------

class TemporaryFailure(Exception):
    """Worth trying again later: a 4xx reply, a dropped or refused connection.
    `maybe_sent`: the connection dropped after the message started, so it may have gone.
    `unreachable`: the server could not be reached at all."""

    def __init__(self, text: str, maybe_sent: bool = False, unreachable: bool = False):
        super().__init__(text)
        self.maybe_sent = maybe_sent
        self.unreachable = unreachable


class PermanentFailure(Exception):
    """Trying again will not help: a 5xx reply, a rejected address."""


class OutboxTransport:
    """Writes each message as an .eml file: the default, which needs no server."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.destination = "outbox"

    def send(self, message: EmailMessage, key: str) -> str:
        from .output_folder import write_output
        path = self.folder / f"{key[:16]}.eml"
        write_output(path, message.as_bytes())
        return str(path)

    def close(self):
        pass


@dataclass
class SmtpSettings:
    host: str
    port: int | None = None
    security: str = "plain"            # plain, starttls or ssl
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    # Logging in over plain SMTP sends the password as readable text: refused unless asked.
    insecure_login: bool = False


class SmtpTransport:
    """One connection, reused for every message, reopened after a drop."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        default_port = {"ssl": 465, "starttls": 587}.get(settings.security, 25)
        self.port = settings.port or default_port
        self.destination = f"smtp://{settings.host}:{self.port}"
        self._connection = None

    def _connect(self):
        s = self.settings
        context = ssl.create_default_context()
        try:
            if s.security == "ssl":
                connection = smtplib.SMTP_SSL(s.host, self.port, timeout=s.timeout, context=context)
            else:
                connection = smtplib.SMTP(s.host, self.port, timeout=s.timeout)
                if s.security == "starttls":
                    connection.starttls(context=context)
            if s.user:
                connection.login(s.user, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise HandoutError(f"the server {self.destination} refused the login for "
                               f"'{s.user}' ({exc.smtp_code}); check the user and "
                               f"{PASSWORD_ENVIRONMENT_VARIABLE}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise HandoutError(f"the server {self.destination} does not support what was "
                               f"asked ({exc}); check --starttls, --ssl and --smtp-user") from None
        except ssl.SSLError as exc:
            raise HandoutError(f"TLS with {self.destination} failed: {exc.reason or exc}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"cannot connect to {self.destination}: {_reason(exc)}",
                                   unreachable=True) from None
        return connection

    def send(self, message: EmailMessage, key: str) -> str:
        if self._connection is None:
            self._connection = self._connect()
        try:
            refused = self._connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            code, reply = next(iter(exc.recipients.values()))
            raise _by_code(code, f"the server refused the address: {code} {_text(reply)}") from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise _by_code(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TemporaryFailure(f"the connection dropped: {_reason(exc)}",
                                   maybe_sent=True) from None
        if refused:
            code, reply = next(iter(refused.values()))
            raise _by_code(code, f"the server refused the address: {code} {_text(reply)}")
        return self.destination

    def _reset(self):
        try:
            self._connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self):
        try:
            self._connection.close()
        except Exception:  # noqa: BLE001 - already broken; nothing more to learn
            pass
        self._connection = None

    def close(self):
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._connection = None


def _by_code(code: int, text: str) -> Exception:
    return TemporaryFailure(text) if 400 <= code < 500 else PermanentFailure(text)


def _text(reply) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _reason(exc: Exception) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


# --- the send log ----------------------------------------------------------------------------

class SendLogError(HandoutError):
    """The send log cannot be written: stop, so nothing is sent that is not recorded."""


class SendLog:
    """What was sent, as JSON lines, appended and flushed to disk as each message goes.

    Before each try an "attempt" line is written; after it, "delivered" or "not-sent" (a
    reply that says for certain it did not go). A try whose outcome was never written (a
    crash, a full disk, a dropped connection mid-message) may have gone out: a message is
    tried again only while fewer than two such tries are on record, so nobody gets the same
    message more than twice, whatever happens.

    Privacy: no address is stored. Each line holds a keyed hash (HMAC-SHA256) of the
    address, with a key kept beside the log (send-log.key), so the log says whether this
    person already got these PDFs, and to nobody without the key who they are."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.key_path = self.path.with_name("send-log.key")
        self._secret = None
        self.delivered: set[str] = set()
        self.unknown: dict[str, int] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                    event, key = entry.get("event", "delivered"), entry["key"]
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # a torn last line from a crash: ignore it
                if event == "attempt":
                    self.unknown[key] = self.unknown.get(key, 0) + 1
                elif event in ("delivered", "not-sent"):
                    self.unknown[key] = max(0, self.unknown.get(key, 0) - 1)
                    if event == "delivered":
                        self.delivered.add(key)

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            try:
                if self.key_path.exists():
                    self._secret = bytes.fromhex(self.key_path.read_text().strip())
                else:
                    self.key_path.parent.mkdir(parents=True, exist_ok=True)
                    secret = os.urandom(32)
                    descriptor = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                                         0o600)
                    with os.fdopen(descriptor, "w") as handle:
                        handle.write(secret.hex() + "\n")
                    self._secret = secret
            except (OSError, ValueError) as exc:
                raise SendLogError(f"cannot read or create the send log's key "
                                   f"{self.key_path}: {getattr(exc, 'strerror', None) or exc}; "
                                   f"nothing was sent") from None
        return self._secret

    def keyed_hash(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    def key_for(self, recipient: Recipient, attachments: list[Attachment],
                destination: str) -> str:
        """Same person, same edition, same PDFs, same destination: the same delivery."""
        parts = [recipient.email.lower(), recipient.edition_key, destination,
                 *(a.sha256 for a in attachments)]
        return self.keyed_hash("\n".join(parts))

    def record(self, entry: dict) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise SendLogError(f"cannot write the send log {self.path}: "
                               f"{exc.strerror or exc}") from None
        key, event = entry["key"], entry["event"]
        if event == "attempt":
            self.unknown[key] = self.unknown.get(key, 0) + 1
        else:
            self.unknown[key] = max(0, self.unknown.get(key, 0) - 1)
            if event == "delivered":
                self.delivered.add(key)


# --- sending ---------------------------------------------------------------------------------

@dataclass
class Delivery:
    recipient: Recipient
    status: str                 # sent, already sent, failed, would send
    size: int = 0
    attempts: int = 0
    detail: str = ""
    # For a dry run: the files that would go, as (file name, bytes), and whether the send
    # log says this exact message already went.
    files: list[tuple[str, int]] = field(default_factory=list)
    already_sent: bool = False


MAX_UNCERTAIN_SENDS = 2


@dataclass
class Sender:
    transport: object
    log: SendLog
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = 3
    retry_delay: float = 2.0
    resend: bool = False
    sleep: object = time.sleep
    # Once the server cannot be reached at all, the rest are not tried one by one.
    unreachable: str | None = None

    def deliver(self, recipient: Recipient, message: EmailMessage,
                attachments: list[Attachment]) -> Delivery:
        key = self.log.key_for(recipient, attachments, self.transport.destination)
        if key in self.log.delivered and not self.resend:
            return Delivery(recipient, "already sent")
        if self.unreachable:
            return Delivery(recipient, "failed", detail=f"not sent: {self.unreachable}")
        data = message.as_bytes()
        if len(data) > self.max_bytes:
            return Delivery(recipient, "failed", len(data),
                            detail=f"the message is {_megabytes(len(data))}, over the "
                                   f"{_megabytes(self.max_bytes)} limit; nothing was sent")
        entry = {"key": key, "recipient": self.log.keyed_hash(recipient.email.lower()),
                 "edition": recipient.edition_key,
                 "destination": self.transport.destination,
                 "message_id": message["Message-ID"],
                 "documents": {a.filename: a.sha256 for a in attachments}}
        attempt = 0
        while True:
            if self.log.unknown.get(key, 0) >= MAX_UNCERTAIN_SENDS and not self.resend:
                return Delivery(recipient, "failed", len(data), attempt,
                                "earlier tries may have gone out (they stopped before the "
                                "server answered); to avoid sending it a third time it was "
                                "not sent: ask the recipient, then use --resend if needed")
            attempt += 1
            self.log.record({**entry, "event": "attempt", "at": formatdate(localtime=True)})
            try:
                where = self.transport.send(message, key)
                break
            except PermanentFailure as exc:
                self.log.record({**entry, "event": "not-sent", "reason": str(exc)})
                return Delivery(recipient, "failed", len(data), attempt, str(exc))
            except TemporaryFailure as exc:
                if not exc.maybe_sent:
                    self.log.record({**entry, "event": "not-sent", "reason": str(exc)})
                if attempt > self.retries:
                    if exc.unreachable:
                        self.unreachable = str(exc)
                    return Delivery(recipient, "failed", len(data), attempt,
                                    f"{exc} (gave up after {attempt} tries)")
                self.sleep(self.retry_delay * 2 ** (attempt - 1))
        try:
            self.log.record({**entry, "event": "delivered", "where": where,
                             "at": formatdate(localtime=True)})
        except SendLogError as exc:
            raise SendLogError(f"{exc}; the message to {recipient.email} went, but stopping "
                               f"here so nothing is sent that the log does not know of") \
                from None
        return Delivery(recipient, "sent", len(data), attempt)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.2f} MB".replace(".00 MB", " MB")


# --- one send, start to finish ---------------------------------------------------------------

class MailInputError(HandoutError):
    """The send cannot start as asked (no sender address, no recipients)."""


@dataclass(frozen=True)
class SendRequest:
    recipients: tuple[Recipient, ...]
    content_dir: Path = CONTENT_DIR
    output_dir: Path = DEFAULT_OUTPUT_DIR
    smtp: SmtpSettings | None = None       # None: write .eml files to the outbox
    sender: str | None = None              # default: handouts@ the clinic's website domain
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = 3
    retry_delay: float = 2.0
    resend: bool = False
    dry_run: bool = False
    final: bool = False                    # only editions approved as they are now
    # Outbox messages (which hold addresses) older than this are deleted at each run.
    outbox_days: int | None = DEFAULT_OUTBOX_DAYS

    @property
    def outbox(self) -> Path:
        return Path(self.output_dir) / "outbox"


def gather_recipients(addresses, region: str, language: str | None, csv_path: Path | None,
                      content: ContentSet) -> tuple[list[Recipient], list[RecipientProblem]]:
    """--to addresses (for one region and language) and the rows of a CSV file, checked."""
    recipients, problems = ([], [])
    if addresses:
        recipients, problems = recipients_from_addresses(addresses, region, language, content)
    if csv_path:
        more, more_problems = recipients_from_csv(Path(csv_path), content)
        recipients += [r for r in more if r not in recipients]
        problems += more_problems
    return recipients, problems


def send_handouts(request: SendRequest, sleep=time.sleep, on_wait=None):
    """Send each recipient their edition's handouts (built first if out of date); yields one
    Delivery per recipient, in order. Raises MailInputError before anything is sent when the
    send cannot start, and HandoutError when the whole run must stop (a refused login).
    While another command writes the output folder, `on_wait(message)` is called once and
    the build waits its turn."""
    from .build import plan, run
    from .output_folder import locked
    from .render import Renderer

    smtp = request.smtp
    if smtp and smtp.user and smtp.security == "plain" and not smtp.insecure_login:
        raise MailInputError("refusing to log in over plain SMTP, which would send the password "
                             "where anyone on the network can read it: add --starttls or "
                             "--ssl (or --insecure-login on a network you trust)")
    if not request.smtp and request.outbox_days is not None and not request.dry_run:
        purge_outbox(request.outbox, request.outbox_days)
    content = open_content(request.content_dir)
    wanted = sorted({r.edition_key for r in request.recipients})
    build_plan = plan(content, editions=wanted)
    editions = {job.edition.key: job.edition for job in build_plan.jobs}
    broken = {key: str(error) for key, error in build_plan.content_failures}
    drafts = sorted(key for key, edition in editions.items() if not edition.review.final)
    if request.final and drafts:
        # Before anything is built or sent: a draft must not reach a patient by mistake.
        raise MailInputError(f"{', '.join(drafts)}: not approved as it is now (a draft); "
                             f"nothing was sent: see `iop-handouts review`")
    pdfs: dict[str, dict[str, Path]] = {}
    # The build writes PDFs and the manifest: it takes its turn like any build. Sending
    # needs no lock (the send log is only appended to).
    with locked(request.output_dir, on_wait):
        for result in run(build_plan, request.output_dir,
                          renderer=Renderer(content_dir=request.content_dir)):
            key = result.job.edition.key
            if result.status == "failed":
                broken[key] = f"{result.job.document}: {result.error}"
            else:
                pdfs.setdefault(key, {})[result.job.document] = result.path

    senders = {}
    sender = sender_address(request.sender) if request.sender else None
    for key, edition in editions.items():
        senders[key] = sender or default_sender(edition)
        if not senders[key] and key not in broken:
            raise MailInputError(f"the {edition.region_id} clinic has no website to send "
                                 f"from; give the sender's address (--from ADDRESS, or "
                                 f"email: sender: in the settings file; in the web app, "
                                 f"the clinic's 'Email sender' field)")

    transport = SmtpTransport(request.smtp) if request.smtp else OutboxTransport(request.outbox)
    log = SendLog(Path(request.output_dir) / "send-log.jsonl")
    postman = Sender(transport, log, request.max_bytes, request.retries, request.retry_delay,
                     request.resend, sleep)
    maker = MessageMaker(TEMPLATES_DIR)
    try:
        for recipient in request.recipients:
            key = recipient.edition_key
            if key in broken or key not in editions:
                yield Delivery(recipient, "failed", detail=f"the {key} handouts could not be "
                               f"built: {broken.get(key, 'no such edition')}")
                continue
            edition = editions[key]
            attachments = attachments_for(edition, pdfs[key])
            message = maker.make(edition, recipient, attachments, senders[key])
            if request.dry_run:
                already = log.key_for(recipient, attachments, transport.destination) \
                    in log.delivered
                yield Delivery(recipient, "would send", len(message.as_bytes()),
                               files=[(a.filename, len(a.data)) for a in attachments],
                               already_sent=already and not request.resend)
                continue
            yield postman.deliver(recipient, message, attachments)
    finally:
        transport.close()


def purge_outbox(folder: Path, older_than_days: float | None = None) -> int:
    """Delete the outbox's messages (all, or those older than a number of days); returns
    how many. They hold names and addresses: keep them only until they are sent on."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    cutoff = None if older_than_days is None else time.time() - older_than_days * 86400
    removed = 0
    for message in folder.glob("*.eml"):
        try:
            if cutoff is None or message.stat().st_mtime < cutoff:
                message.unlink()
                removed += 1
        except OSError as exc:
            raise MailInputError(f"cannot delete {message}: {exc.strerror}") from None
    return removed


def destination(request: SendRequest) -> str:
    """Where the messages go, as a person would name it."""
    if request.smtp:
        return SmtpTransport(request.smtp).destination
    return display_path(request.outbox)

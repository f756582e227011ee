"""Mail stage: messages made from built PDFs, delivered to an outbox folder or over SMTP.

Nothing lost, nothing twice:
- every address is checked before anything is sent;
- a send log (JSON lines) records each delivered message, so a rerun sends nothing new;
- temporary failures (4xx replies, dropped connections) are retried with backoff;
- permanent failures (5xx, a rejected address) are reported per recipient.
"""

import csv
import hashlib
import json
import os
import re
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from .content import ContentSet, Edition
from .documents import DOCUMENTS
from .errors import HandoutError
from .paths import CONTENT_DIR, DEFAULT_OUTPUT_DIR, TEMPLATES_DIR, display_path
from .render import template_environment

PASSWORD_ENVIRONMENT_VARIABLE = "IOP_SMTP_PASSWORD"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CSV_COLUMNS = ("email", "name", "region", "language")


# --- recipients ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    region: str
    language: str

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


def check_address(address: str) -> str:
    """The normalised address, or EmailNotValidError. No DNS look-ups: clinic networks are
    often locked down, and a syntax check is what can be known before sending."""
    return validate_email(address, check_deliverability=False).normalized


def recipients_from_addresses(addresses, region: str, language: str, content: ContentSet):
    """--to addresses, plain or written as 'Name <address>'."""
    recipients, problems = [], []
    for written in addresses:
        name, address = parseaddr(written) if "<" in written else ("", written)
        _add(recipients, problems, "--to", address or written, name or None, region, language,
             content)
    return recipients, problems


def recipients_from_csv(path: Path, content: ContentSet, default_language=None):
    """Rows of email,name,region,language (a header row is required)."""
    recipients, problems = [], []
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise HandoutError(f"{path}: cannot read the recipient list ({exc.strerror})") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in ("email", "region") if c not in header]
        if missing:
            raise HandoutError(f"{path}, line 1: the header needs the columns "
                               f"{', '.join(CSV_COLUMNS)} (missing: {', '.join(missing)})")
        reader.fieldnames = header
        for row in reader:
            where = f"{path.name}, line {reader.line_num}"
            if not any((v or "").strip() for v in row.values()):
                continue
            language = (row.get("language") or "").strip() or None
            _add(recipients, problems, where, (row.get("email") or "").strip(),
                 (row.get("name") or "").strip() or None, (row.get("region") or "").strip(),
                 language, content)
    return recipients, problems


def _add(recipients, problems, where, address, name, region, language, content):
    try:
        email = check_address(address)
    except EmailNotValidError as exc:
        problems.append(RecipientProblem(where, address, str(exc)))
        return
    if not content.region_path(region).exists() or region.startswith("_"):
        problems.append(RecipientProblem(where, address, f"no region '{region}'"))
        return
    _, known, _ = content.region(region)
    language = language or known.languages[0]
    if language not in known.languages:
        problems.append(RecipientProblem(
            where, address, f"region '{region}' has no '{language}' edition "
                            f"(it has {', '.join(known.languages)})"))
        return
    recipient = Recipient(email, name, region, language)
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
    """'Choosing an IOP program' -> 'Choosing an IOP program.pdf' (safe on every system)."""
    name = re.sub(r'[\\/:*?"<>|()]+', "", title)
    return re.sub(r"\s+", " ", name).strip() + ".pdf"


class MessageMaker:
    def __init__(self, templates_dir: Path):
        self.environment = template_environment(templates_dir)

    def make(self, edition: Edition, recipient: Recipient, attachments: list[Attachment],
             sender: str) -> EmailMessage:
        text = edition.email
        greeting = text.greeting.format(name=recipient.name) if recipient.name \
            else text.greeting_no_name
        context = {"edition": edition, "greeting": greeting, "attachments": attachments}
        message = EmailMessage()
        message["From"] = sender
        # One recipient per message: nobody sees who else got the handouts.
        message["To"] = formataddr((recipient.name or "", recipient.email))
        message["Subject"] = text.subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=_domain_of(sender))
        message.set_content(self.environment.get_template("email.txt").render(context))
        message.add_alternative(self.environment.get_template("email.html").render(context),
                                subtype="html")
        for attachment in attachments:
            message.add_attachment(attachment.data, maintype="application", subtype="pdf",
                                   filename=attachment.filename)
        # Last: adding content moves or clears the Content-* headers already set.
        message["Content-Language"] = edition.language
        return message


def _domain_of(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def default_sender(edition: Edition) -> str | None:
    """'Clinic name <handouts@clinic-domain>' when the clinic has a website."""
    if not edition.clinic.website:
        return None
    domain = edition.clinic.website.text.split("/")[0]
    return formataddr((edition.clinic.name, f"handouts@{domain}"))


# --- delivery --------------------------------------------------------------------------------

class TemporaryFailure(Exception):
    """Worth trying again later: a 4xx reply, a dropped or refused connection."""


class PermanentFailure(Exception):
    """Trying again will not help: a 5xx reply, a rejected address."""


class OutboxTransport:
    """Writes each message as an .eml file: the default, which needs no server."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.destination = "outbox"

    def send(self, message: EmailMessage, key: str) -> str:
        from .manifest import write_atomically
        path = self.folder / f"{key[:16]}.eml"
        write_atomically(path, message.as_bytes())
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
            raise TemporaryFailure(f"cannot connect to {self.destination}: {_reason(exc)}") from None
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
            raise TemporaryFailure(f"the connection dropped: {_reason(exc)}") from None
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

class SendLog:
    """One JSON line per delivered message. Appended and flushed as each message goes, so an
    interrupted run still knows what it delivered."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.keys = set()
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    self.keys.add(json.loads(line)["key"])
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line from a crash: ignore it

    def record(self, entry: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.keys.add(entry["key"])


def delivery_key(recipient: Recipient, attachments: list[Attachment], destination: str) -> str:
    """Same person, same edition, same PDFs, same destination: the same delivery."""
    parts = [recipient.email.lower(), recipient.edition_key, destination,
             *(a.sha256 for a in attachments)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


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
        key = delivery_key(recipient, attachments, self.transport.destination)
        if key in self.log.keys and not self.resend:
            return Delivery(recipient, "already sent")
        if self.unreachable:
            return Delivery(recipient, "failed", detail=f"not sent: {self.unreachable}")
        data = message.as_bytes()
        if len(data) > self.max_bytes:
            return Delivery(recipient, "failed", len(data),
                            detail=f"the message is {_megabytes(len(data))}, over the "
                                   f"{_megabytes(self.max_bytes)} limit; nothing was sent")
        attempt = 0
        while True:
            attempt += 1
            try:
                where = self.transport.send(message, key)
                break
            except PermanentFailure as exc:
                return Delivery(recipient, "failed", len(data), attempt, str(exc))
            except TemporaryFailure as exc:
                if attempt > self.retries:
                    if str(exc).startswith("cannot connect"):
                        self.unreachable = str(exc)
                    return Delivery(recipient, "failed", len(data), attempt,
                                    f"{exc} (gave up after {attempt} tries)")
                self.sleep(self.retry_delay * 2 ** (attempt - 1))
        self.log.record({
            "key": key, "to": recipient.email, "region": recipient.region,
            "language": recipient.language, "message_id": message["Message-ID"],
            "destination": self.transport.destination, "where": where,
            "documents": {a.filename: a.sha256 for a in attachments},
            "sent_at": formatdate(localtime=True),
        })
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


def send_handouts(request: SendRequest, sleep=time.sleep):
    """Send each recipient their edition's handouts (built first if out of date); yields one
    Delivery per recipient, in order. Raises MailInputError before anything is sent when the
    send cannot start, and HandoutError when the whole run must stop (a refused login)."""
    from .build import plan, run
    from .render import Renderer

    content = ContentSet(request.content_dir)
    wanted = sorted({r.edition_key for r in request.recipients})
    build_plan = plan(content, editions=wanted)
    editions = {job.edition.key: job.edition for job in build_plan.jobs}
    broken = {key: str(error) for key, error in build_plan.content_failures}
    pdfs: dict[str, dict[str, Path]] = {}
    for result in run(build_plan, request.output_dir,
                      renderer=Renderer(content_dir=request.content_dir)):
        key = result.job.edition.key
        if result.status == "failed":
            broken[key] = f"{result.job.document}: {result.error}"
        else:
            pdfs.setdefault(key, {})[result.job.document] = result.path

    senders = {}
    for key, edition in editions.items():
        senders[key] = request.sender or default_sender(edition)
        if not senders[key] and key not in broken:
            raise MailInputError(f"the {edition.region_id} clinic has no website to send "
                                 f"from; give --from ADDRESS")

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
                already = delivery_key(recipient, attachments, transport.destination) in log.keys
                yield Delivery(recipient, "would send", len(message.as_bytes()),
                               files=[(a.filename, len(a.data)) for a in attachments],
                               already_sent=already and not request.resend)
                continue
            yield postman.deliver(recipient, message, attachments)
    finally:
        transport.close()


def destination(request: SendRequest) -> str:
    """Where the messages go, as a person would name it."""
    if request.smtp:
        return SmtpTransport(request.smtp).destination
    return display_path(request.outbox)

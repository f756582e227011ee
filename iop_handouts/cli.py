"""The command line: click commands that parse options, call one library function each, and
print. Nothing here decides anything about handouts; the package does.

Run with no command to build every handout into ./output.
"""

import sys
from pathlib import Path

import click

from . import __version__
from .documents import DOCUMENTS
from .errors import HandoutError, OutputError, error_lines
from .paths import CONTENT_DIR, DEFAULT_OUTPUT_DIR, PASSWORD_VARIABLE, WEB_EDITION_NAME, display_path

# Bad input exits 2 (like a usage error); a document that fails to render exits 1.
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


# Every character Python or a log reader may take for the end of a line, shown escaped.
LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(message: str) -> str:
    """An error is one line, even when it quotes a value with a line break in it ("98\n8")."""
    return message.translate(LINE_BREAKS)


class InputError(click.ClickException):
    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str):
        super().__init__(one_line(message))


def input_error(exc: Exception) -> InputError:
    """Bad input as click prints it ("Error: ..."), a line per problem when there are several."""
    return InputError("\nError: ".join(error_lines(exc)))


def edition_filters(verb: str):
    """--region and --lang, shared by the commands that work on editions."""
    def decorate(command):
        command = click.option("--clinic", "clinics", multiple=True, metavar="ID",
                               help=f"{verb} only this clinic's regions (repeatable), by the "
                                    f"name of its file in clinics/.")(command)
        command = click.option("--lang", "languages", multiple=True, metavar="CODE",
                               help=f"{verb} only this language (repeatable), e.g. en, es, fr.")(command)
        return click.option("--region", "regions", multiple=True, metavar="ID",
                            help=f"{verb} only this region (repeatable). Default: all.")(command)
    return decorate


def content_option(command):
    return click.option("--content", "content_dir", default=None,
                        show_default="this folder if it is a clinic's (made by init), "
                                     "else the shipped content",
                        type=click.Path(file_okay=False, path_type=Path),
                        help="A clinic's folder, or a folder with all the YAML content.")(command)


def output_option(help_text: str):
    return click.option("--out", "output_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, show_default="./output, or the clinic folder's setting",
                        help=help_text)


class Workspace:
    """Where a command reads and writes: the --content and --out given, else the clinic
    folder the command runs in (its settings say the defaults), else the shipped content
    and ./output."""

    def __init__(self, content_dir: Path | None, output_dir: Path | None):
        from .clinic_folder import is_clinic_folder, read_settings

        if content_dir is None:
            content_dir = Path.cwd() if is_clinic_folder(Path.cwd()) else CONTENT_DIR
        if not Path(content_dir).is_dir():
            raise InputError(f"content folder {display_path(content_dir)} does not exist")
        self.content_dir = Path(content_dir)
        self.settings = None
        if is_clinic_folder(self.content_dir):
            try:
                self.settings = read_settings(self.content_dir)
            except HandoutError as exc:
                raise input_error(exc) from None
        if output_dir is None:
            output_dir = (self.content_dir / self.settings.output if self.settings
                          else DEFAULT_OUTPUT_DIR)
        self.output_dir = Path(output_dir)

    def regions(self, given=(), clinics=()) -> tuple[str, ...]:
        """The regions asked for: by --region, by --clinic (a network's folder holds many
        clinics), else the settings' default (empty: all)."""
        if clinics:
            content = self.content()
            by_clinic = {}
            for region_id in content.region_ids():
                try:
                    by_clinic.setdefault(content.region(region_id)[1].clinic, []).append(region_id)
                except HandoutError:
                    continue  # reported when it is built
            unknown = [c for c in clinics if c not in by_clinic]
            if unknown:
                raise InputError(f"no region prints the clinic '{unknown[0]}' (clinics: "
                                 f"{', '.join(sorted(by_clinic))})")
            given = tuple(given) + tuple(r for c in clinics for r in by_clinic[c])
        return tuple(given) or tuple(self.settings.regions if self.settings else ())

    def languages(self, given=()) -> tuple[str, ...]:
        return tuple(given) or tuple(self.settings.languages if self.settings else ())

    def content(self):
        from .clinic_folder import open_content
        return open_content(self.content_dir)


def load_content(content_dir: Path):
    return Workspace(content_dir, None).content()


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iop-handouts")
@click.pass_context
def cli(ctx):
    """Make printable patient handouts about Intensive Outpatient Programs (IOP).

    With no command, builds every handout into ./output/<region>/<language>/.

    \b
    Examples:
      iop-handouts                      # build everything
      iop-handouts build --region ca-qc --lang fr
      iop-handouts regions
    (From a checkout, `python generate.py ...` is the same command.)
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(build)


def main():
    """The console script's entry point."""
    cli()


@cli.command()
@edition_filters("Build")
@click.option("--doc", "documents", multiple=True, type=click.Choice(list(DOCUMENTS)),
              help="Build only this document (repeatable). Default: all.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Documents rendered at once. Default: the number of CPUs.")
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@output_option("Folder for the PDFs.")
@click.option("--html", "write_html", is_flag=True,
              help="Also write the HTML beside each PDF (for designers and measuring).")
@click.option("--fold-marks", is_flag=True, help="Print fold guides on the brochure.")
@click.option("--print-shop", is_flag=True,
              help="Also make the print-shop edition (PDF/X-4, CMYK, bleed and crop marks) "
                   "beside each office PDF, e.g. brochure-print.pdf.")
@click.option("--large-print", is_flag=True,
              help="Also make the large-print edition (18 pt, one column, portrait pages; "
                   "the checklist a form per program) beside each office PDF, e.g. "
                   "brochure-large-print.pdf.")
@click.option("--final", is_flag=True,
              help="Refuse content not yet approved (see `review`), listing what needs "
                   "approval and by whom; without it, drafts build with a draft line.")
@content_option
def build(regions, languages, clinics, documents, jobs, force, output_dir, write_html,
          fold_marks, print_shop, large_print, final, content_dir):
    """Build the brochure and checklist PDFs for every region and language.

    Only what changed since the last build is rendered; --force renders everything. An
    edition made from any file not yet approved prints "Draft: not yet reviewed" on every
    page; --final builds only approved editions (exit code 2 otherwise).

    \b
    Examples:
      iop-handouts build
      iop-handouts build --region us --region us-or --lang es
      iop-handouts build --doc checklist --jobs 4 --force
      iop-handouts build --out /tmp/handouts --html --fold-marks
      iop-handouts build --print-shop      # adds brochure-print.pdf, checklist-print.pdf
      iop-handouts build --large-print     # adds brochure-large-print.pdf, ...
      iop-handouts build --final --region us-or
    """
    from iop_handouts.build import BuildRequest
    from iop_handouts.render import RenderOptions

    space = Workspace(content_dir, output_dir)
    request = BuildRequest(content_dir=space.content_dir, output_dir=space.output_dir,
                           regions=space.regions(regions, clinics),
                           languages=space.languages(languages), documents=documents, jobs=jobs, force=force, write_html=write_html,
                           options=RenderOptions(fold_marks, print_shop, large_print),
                           final=final)
    code = run_build(request)
    if code:
        sys.exit(code)


def run_build(request, quiet_up_to_date: bool = False) -> int:
    """One build, reported on the terminal; returns the exit code."""
    from iop_handouts import build as builder

    progress = Progress(quiet_up_to_date)
    try:
        summary = builder.build(request, on_result=progress.show, total=progress.start,
                                on_wait=say_waiting)
    except builder.NotApprovedError as exc:
        for line in exc.lines():
            click.echo(f"Error: {one_line(line)}", err=True)
        click.echo(f"Not built: {len(exc.lines())} file(s) need approval for a final build "
                   f"(see: iop-handouts review; then: iop-handouts approve FILE --by NAME "
                   f"--role ROLE).", err=True)
        return EXIT_BAD_INPUT
    except OutputError as exc:
        raise click.ClickException(str(exc)) from None  # exit 1: not the input's fault
    except HandoutError as exc:
        raise input_error(exc) from None
    finally:
        progress.finish()
    if summary.interrupted:
        click.echo(f"\nInterrupted: {summary.count('built')} PDFs written; the manifest lists "
                   f"them, and no partial files were left.", err=True)
        return summary.exit_code
    report_content_failures(summary.content_failures)
    for result in summary.failures:
        click.echo(f"Error: {result.job.name}: {one_line(result.error)}", err=True)
    if summary.nothing_to_do:
        count = summary.up_to_date_count or summary.count("up to date")
        click.echo(f"Nothing to do: all {count} PDFs are up to date (use --force to rebuild).")
    else:
        failed = len(summary.failures) + len(summary.content_failures)
        web = f"; {len(summary.web_pages)} web page{'s' if len(summary.web_pages) != 1 else ''} " \
              f"({WEB_EDITION_NAME}) updated" if summary.web_pages else ""
        held = summary.count("held back")
        held = f", {held} held back" if held else ""
        click.echo(f"{summary.count('built')} built, {summary.count('up to date')} up to date, "
                   f"{failed} failed{held} in {summary.seconds:.1f} s{web}.")
    return summary.exit_code


def say_waiting(message: str) -> None:
    """Another command is writing the output folder: say why nothing seems to happen."""
    click.echo(message, err=True)


class Progress:
    """A progress bar on a terminal; one plain line per document otherwise (logs, CI)."""

    def __init__(self, quiet_up_to_date: bool = False):
        self.bar = None
        self.quiet_up_to_date = quiet_up_to_date

    def start(self, total: int) -> None:
        if sys.stdout.isatty() and total:
            self.bar = click.progressbar(length=total, label="Building",
                                         item_show_func=lambda r: r.job.name if r else None)
            self.bar.__enter__()

    def show(self, result) -> None:
        if self.bar is not None:
            self.bar.update(1, result)
        elif result.status == "failed":
            click.echo(f"failed     {result.job.relative_path}")
        elif result.status == "held back":
            click.echo(f"held back  {result.job.relative_path} (another document of its "
                       f"edition failed; they carry one edition mark)")
        elif result.status == "built" or not self.quiet_up_to_date:
            click.echo(f"{result.status:<10} {result.job.relative_path} "
                       f"({result.size // 1024} KB, {result.pages} "
                       f"page{'s' * (result.pages != 1)})")

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def report_content_failures(failures):
    """One line per distinct problem: a typo in a shared file breaks many editions at once."""
    grouped: dict[str, list[str]] = {}
    for edition, error in failures:
        for message in error_lines(error):
            grouped.setdefault(message, []).append(edition)
    for message, editions in grouped.items():
        click.echo(f"Error: {one_line(message)} [{', '.join(editions)}]", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@content_option
def review(as_json, content_dir):
    """List every content file the editions use, with its review status.

    A file is approved when someone with the role it needs approved it as it is now
    (`approve`); editing it makes it unapproved again. An edition is final when all its
    files are approved; otherwise it prints a draft line. Approvals are kept in
    approvals.yaml in the content's folder (a clinic's folder, made by `init`).

    \b
    Examples:
      iop-handouts review
      iop-handouts review --json
    """
    import json

    from .approvals import ROLE_RULE
    from .review import review_files

    space = Workspace(content_dir, None)
    try:
        report = review_files(space.content())
    except HandoutError as exc:
        raise input_error(exc) from None
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"Roles: {ROLE_RULE}.")
    click.echo(f"Approvals: {display_path(report.approvals_path)}")
    click.echo()
    header = f"{'status':<13} {'needs':<11} file"
    click.echo(header)
    click.echo("-" * len(header))
    for row in report.files:
        note = f" (the file says: {row.file_status})" if row.file_status and not row.review.approved else ""
        click.echo(f"{row.review.state:<13} {row.review.needs:<11} {row.review.name}: "
                   f"{row.review.describe()}{note} [{', '.join(row.editions)}]")
    click.echo()
    for key, status in report.editions:
        click.echo(f"{key}: {status}")
    approved = sum(1 for row in report.files if row.review.approved)
    click.echo(f"{approved} of {len(report.files)} file(s) approved; "
               f"{sum(1 for _, s in report.editions if s.startswith('final'))} of "
               f"{len(report.editions)} edition(s) final.")


@cli.command()
@click.argument("file")
@click.option("--by", "by", required=True, metavar="NAME",
              help="Who approves it: a staff member's name (kept in approvals.yaml).")
@click.option("--role", required=True, type=click.Choice(["clinician", "translator", "editor"]),
              help="The approver's role; each file needs one (see `review`).")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The date of the approval, YYYY-MM-DD. Default: today.")
@content_option
def approve(file, by, role, on, content_dir):
    """Approve a content file as it is now, recording who, as which role, when, and a
    hash of exactly what was approved.

    FILE is a content file as `review` names it (brochure.es.yaml, regions/us.yaml,
    shipped:common.en.yaml) or its path. Approvals go in approvals.yaml in the clinic's
    folder; the shipped content itself is never marked approved.

    \b
    Examples:
      iop-handouts approve brochure.es.yaml --by "Ana Ruiz" --role translator
      iop-handouts approve regions/us-or-maple.yaml --by "Dr Lee" --role clinician
    """
    import datetime

    from .review import approve_file

    space = Workspace(content_dir, None)
    when = on.date() if on else datetime.date.today()
    try:
        record = approve_file(space.content(), file, by, role, when)
    except HandoutError as exc:
        raise input_error(exc) from None
    click.echo(f"approved   {record.file} by {record.by} ({record.role}) on {record.date}, "
               f"sha256 {record.sha256[:12]}...")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@content_option
def regions(as_json, content_dir):
    """List the regions with their languages, paper and crisis lines.

    \b
    Examples:
      iop-handouts regions
      iop-handouts regions --json
    """
    import json

    from .content import region_summaries

    try:
        rows = region_summaries(load_content(content_dir))
    except HandoutError as exc:
        raise input_error(exc) from None
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    header = f"{'region':<7} {'languages':<12} {'paper':<6} {'emergency':<10} crisis lines"
    click.echo(header)
    click.echo("-" * len(header))
    for row in rows:
        lines = "; ".join(f"{line['name']} ({', '.join(line['reach'])})"
                          for line in row["crisis_lines"])
        click.echo(f"{row['id']:<7} {','.join(row['languages']):<12} {row['paper']:<6} "
                   f"{' or '.join(row['emergency']):<10} {lines}")


@cli.command()
@click.option("--to", "addresses", multiple=True, metavar="ADDRESS",
              help="Send to this address (repeatable), with --region and --lang.")
@click.option("--region", default=None, metavar="ID",
              help="Region of the handouts sent to --to addresses. Default: the clinic "
                   "folder's first region (the settings' regions, else its own), else us.")
@click.option("--lang", "language", default=None, metavar="CODE",
              help="Language for --to addresses. Default: the region's first language.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Recipient list with the columns email,name,region,language.")
@click.option("--skip-invalid", is_flag=True,
              help="Send to the valid recipients even if some rows are bad.")
@click.option("--from", "sender", metavar="ADDRESS",
              help="Sender. Default: handouts@ the clinic's website domain.")
@click.option("--smtp-host", metavar="HOST", help="Send over SMTP instead of to the outbox.")
@click.option("--smtp-port", type=click.IntRange(1, 65535), help="Default: 25, 587 or 465.")
@click.option("--starttls", "security", flag_value="starttls", help="Upgrade to TLS (STARTTLS).")
@click.option("--ssl", "security", flag_value="ssl", help="TLS from the start (SMTPS).")
@click.option("--smtp-user", metavar="USER",
              help=f"Log in as USER; the password is read from ${PASSWORD_VARIABLE}.")
@click.option("--max-size", type=click.FloatRange(min=0.01), default=10, show_default=True,
              help="Largest message to send, in MB.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Tries after a temporary failure (4xx reply, dropped connection).")
@click.option("--retry-delay", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds before the first retry; doubled each time.")
@click.option("--insecure-login", is_flag=True,
              help="Allow --smtp-user over plain SMTP (the password travels readable).")
@click.option("--outbox-days", type=click.IntRange(min=0), default=30, show_default=True,
              help="Delete outbox messages older than this many days at each run.")
@click.option("--purge-outbox", is_flag=True,
              help="Delete every message in the outbox, then stop.")
@click.option("--resend", is_flag=True, help="Send again what the send log says was sent.")
@click.option("--dry-run", is_flag=True, help="List who would get what; send nothing.")
@click.option("--final", is_flag=True,
              help="Send only approved handouts: refuse (and send nothing) if any is a draft.")
@output_option("Folder of the PDFs, the outbox and the send log.")
@content_option
def email(addresses, region, language, csv_path, skip_invalid, sender, smtp_host, smtp_port,
          security, smtp_user, max_size, retries, retry_delay, insecure_login, outbox_days,
          purge_outbox, resend, dry_run, final, output_dir, content_dir):
    """Email the brochure and checklist to patients and referral partners.

    Each recipient gets one message with the PDFs of their region and language (built
    first if out of date) and the crisis lines in the body. Without --smtp-host, messages
    are written to output/outbox/ as .eml files. The send log (output/send-log.jsonl)
    keeps a rerun from sending anything twice.

    \b
    Examples:
      iop-handouts email --to ana@example.org --region us --lang es
      iop-handouts email --csv recipients.csv --dry-run
      IOP_SMTP_PASSWORD=... iop-handouts email --csv recipients.csv \\
          --smtp-host smtp.example.org --starttls --smtp-user clinic --from clinic@example.org
    """
    import os

    from . import mail

    space = Workspace(content_dir, output_dir)
    output_dir = space.output_dir
    if purge_outbox:
        removed = mail.purge_outbox(Path(output_dir) / "outbox")
        click.echo(f"Deleted {removed} message(s) from {display_path(Path(output_dir) / 'outbox')}.")
        return
    if not addresses and not csv_path:
        raise click.UsageError("say who gets the handouts: --to ADDRESS or --csv FILE")
    if (security or smtp_port) and not smtp_host:
        raise click.UsageError("--starttls, --ssl and --smtp-port need --smtp-host")
    password = os.environ.get(PASSWORD_VARIABLE) if smtp_user else None
    if smtp_user and not password and not dry_run:
        raise InputError(f"--smtp-user needs the password in the environment variable "
                         f"{PASSWORD_VARIABLE}")
    content = space.content()
    if region is None:
        own = space.regions() or (tuple(content.region_ids()) if space.settings else ())
        region = own[0] if own else "us"
    if sender is None and space.settings:
        sender = space.settings.email.sender
    try:
        recipients, problems = mail.gather_recipients(addresses, region, language, csv_path,
                                                      content)
    except HandoutError as exc:
        raise input_error(exc) from None
    for problem in problems:
        click.echo(f"{'Invalid' if problem.blocking else 'Warning'}: {problem}", err=True)
    blocking = [p for p in problems if p.blocking]
    if blocking and not skip_invalid:
        raise InputError(f"{len(blocking)} recipient{'s' * (len(blocking) != 1)} not valid; "
                         f"nothing was sent (fix them, or use --skip-invalid)")
    if not recipients:
        raise InputError("no valid recipients; nothing was sent")

    smtp = mail.SmtpSettings(smtp_host, smtp_port, security or "plain", smtp_user, password,
                             insecure_login=insecure_login) if smtp_host else None
    request = mail.SendRequest(
        tuple(recipients), content_dir=space.content_dir, output_dir=output_dir, smtp=smtp,
        sender=sender, max_bytes=int(max_size * 1024 * 1024), retries=retries,
        retry_delay=retry_delay, resend=resend, dry_run=dry_run, outbox_days=outbox_days,
        final=final)
    counts = {"sent": 0, "already sent": 0, "failed": 0, "would send": 0}
    try:
        for delivery in mail.send_handouts(request, on_wait=say_waiting):
            counts[delivery.status] += 1
            click.echo(delivery_line(delivery), err=delivery.status == "failed")
    except mail.MailInputError as exc:
        raise input_error(exc) from None
    except (mail.SendLogError, OutputError) as exc:
        # A full disk, a read-only folder, another build holding the output folder: stop
        # here, before anything goes unrecorded.
        raise click.ClickException(f"{exc}; {counts['sent']} sent before this") from None
    except HandoutError as exc:
        # The whole run cannot go on (the login was refused, TLS failed): stop here.
        raise InputError(f"{exc}; {counts['sent']} sent before this") from None

    where = mail.destination(request)
    if dry_run:
        click.echo(f"Dry run: {counts['would send']} message(s) would go to {where}; "
                   f"nothing was sent.")
        return
    click.echo(f"{counts['sent']} sent to {where}, {counts['already sent']} already sent, "
               f"{counts['failed']} failed.")
    if counts["failed"]:
        sys.exit(EXIT_FAILED)


def delivery_line(delivery) -> str:
    """One line per recipient: what happened, to whom, with which edition."""
    recipient = delivery.recipient
    key = recipient.edition_key
    if delivery.status == "would send":
        files = ", ".join(f"{name} ({size // 1024} KB)" for name, size in delivery.files)
        note = " (already sent; --resend to send again)" if delivery.already_sent else ""
        return (f"would send   {recipient.email} [{key}]: {files}; message "
                f"{delivery.size // 1024} KB{note}")
    line = f"{delivery.status:<12} {recipient.email} [{key}]"
    if delivery.status == "sent":
        line += f" ({delivery.size // 1024} KB"
        line += f", after {delivery.attempts} tries)" if delivery.attempts > 1 else ")"
    if delivery.detail:
        line += f": {delivery.detail}"
    return line


@cli.command()
@edition_filters("Check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@output_option("Folder of the built PDFs to read.")
@content_option
def check(regions, languages, clinics, as_json, strict, output_dir, content_dir):
    """Check that the content is safe to print.

    Crisis lines (present, open 24/7, sourced, verified in the last 180/365 days, valid
    numbers, and printed in the built PDFs), reading level, plain-language rules, type size
    and contrast from the stylesheets, and review records. Exit code 0 when there is no
    error (warnings allowed unless --strict), 1 otherwise. Build first, so the PDFs can be read.

    \b
    Examples:
      iop-handouts build && iop-handouts check
      iop-handouts check --region us --lang es
      iop-handouts check --json > check.json
    """
    import json

    from .checks import run_checks
    from .paths import STYLES_DIR
    from .render import Renderer

    space = Workspace(content_dir, output_dir)
    regions, languages = space.regions(regions, clinics), space.languages(languages)
    content = space.content()
    known = content.region_ids()
    for region_id in regions:
        if region_id not in known:
            raise InputError(f"no such region '{region_id}' (known regions: {', '.join(known)})")
    report = run_checks(space.content_dir, space.output_dir, STYLES_DIR,
                        Renderer(content_dir=space.content_dir), regions, languages)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print_report(report)
    if report.count("error") or (strict and report.count("warning")):
        sys.exit(EXIT_FAILED)


def print_report(report):
    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(report.findings, key=lambda f: (order[f.severity], f.rule, f.where))
    if findings:
        click.echo("| severity | rule | where | what is wrong | how to fix |")
        click.echo("|---|---|---|---|---|")
        for f in findings:
            click.echo(f"| {f.severity} | {f.rule} | {f.where} | {f.problem} | {f.fix} |")
        click.echo()
    click.echo("Reading level (whole documents):")
    for row in report.reading:
        if row["part"] == "whole document":
            editions = ", ".join(row["editions"])
            click.echo(f"  {row['document']:<9} {row['language']}  {row['verdict']:<7} "
                       f"{row['summary']}  [{editions}]")
    click.echo("PEMAT-style scores (automatable items; 70% or more is good):")
    for row in report.pemat:
        click.echo(f"  {row['document']:<9} understandability {row['understandability']}%, "
                   f"actionability {row['actionability']}%  [{', '.join(row['editions'])}]")
    for note in report.notes:
        click.echo(f"Note: {note}")
    click.echo(f"{report.count('error')} error(s), {report.count('warning')} warning(s).")


@cli.command()
@output_option("Folder of the built PDFs.")
@content_option
def preview(output_dir, content_dir):
    """Draw PNG thumbnails of every page of every built PDF, and the catalog page.

    Thumbnails go beside their PDFs (brochure-page1.png, ...) and are redrawn only when their
    PDF changed. output/index.html lists every edition; it opens from disk, no server needed.

    \b
    Examples:
      iop-handouts preview
      iop-handouts build --region us && iop-handouts preview
    """
    from .catalog import preview as draw_previews

    space = Workspace(content_dir, output_dir)
    try:
        drawn, index = draw_previews(space.content(), space.output_dir, say_waiting)
    except OutputError as exc:
        raise click.ClickException(str(exc)) from None
    for pdf in drawn:
        click.echo(f"drew {display_path(pdf)}")
    if drawn:
        click.echo(f"{len(drawn)} PDF(s) drawn; catalog: {display_path(index)}")
    else:
        click.echo(f"Every page image is up to date; catalog: {display_path(index)}")


@cli.command()
@edition_filters("Rebuild")
@output_option("Folder for the PDFs.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Documents rendered at once. Default: the number of CPUs.")
@content_option
def watch(regions, languages, clinics, output_dir, jobs, content_dir):
    """Rebuild the affected handouts whenever content, templates or styles change.

    Prints what it rebuilt and any content error, and keeps watching. Ctrl-C stops it.

    \b
    Examples:
      iop-handouts watch
      iop-handouts watch --region us --lang es --out /tmp/preview
    """
    import watchfiles

    from .build import BuildRequest
    from .paths import STYLES_DIR, TEMPLATES_DIR

    space = Workspace(content_dir, output_dir)
    space.content()
    request = BuildRequest(content_dir=space.content_dir, output_dir=space.output_dir,
                           regions=space.regions(regions, clinics),
                           languages=space.languages(languages), jobs=jobs)
    folders = [space.content_dir, TEMPLATES_DIR, STYLES_DIR]
    if run_build(request) == EXIT_INTERRUPTED:
        click.echo("Stopped watching.")
        return
    announced = False
    try:
        # yield_on_timeout: an empty first batch says the watcher is running, so "Watching"
        # is printed only once a change can no longer be missed.
        for changes in watchfiles.watch(*folders, debounce=300, step=50, rust_timeout=500,
                                        yield_on_timeout=True, raise_interrupt=True):
            if not changes:
                if not announced:
                    click.echo(f"Watching {', '.join(display_path(f) for f in folders)} "
                               f"(Ctrl-C to stop).")
                    announced = True
                continue
            names = sorted({display_path(Path(path)) for _, path in changes})
            click.echo(f"Changed: {', '.join(names)}")
            try:
                # Ctrl-C during a rebuild ends the build cleanly, then the watching too.
                if run_build(request, quiet_up_to_date=True) == EXIT_INTERRUPTED:
                    break
            except click.ClickException as exc:  # bad content: say so and keep watching
                click.echo(f"Error: {exc.format_message()}", err=True)
            click.echo("Watching for changes...")
    except KeyboardInterrupt:
        pass
    click.echo("Stopped watching.")


# --- a clinic's own folder -------------------------------------------------------------------

# init's questions: (answer, prompt, required). Each is also a flag, for scripts.
INIT_QUESTIONS = (
    ("name", "Clinic name", True),
    ("address", "Address (lines separated by ' | ')", True),
    ("phone", "Phone number", True),
    ("country", "Country (US, CA, GB, IE, AU, NZ)", True),
    ("state", "State or province code (TX, ON, QC...; empty if none)", False),
    ("languages", "Languages, separated by commas (empty: all the region has)", False),
    ("website", "Website (empty if none)", False),
    ("logo", "Logo file, .png or .svg (empty if none)", False),
    ("logo_alt", "The logo in a few words, for screen readers", False),
    ("brand_color", "Brand colour as #RRGGBB (empty: the default blue)", False),
    ("hours", "Opening hours (empty if not printed)", False),
    ("intake_email", "Intake email (empty if none)", False),
    ("tty", "TTY number, or 711 for the relay service (empty if none)", False),
    ("sender", "Email sender for handouts, e.g. Clinic <intake@clinic.org> (empty: none)", False),
)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--name", help="The clinic's name as printed.")
@click.option("--address", multiple=True, help="A line of the address (repeatable).")
@click.option("--phone", help="The clinic's phone number.")
@click.option("--country", help="US, CA, GB, IE, AU or NZ: picks the crisis lines.")
@click.option("--state", default=None, help="State or province code, e.g. TX, ON, QC.")
@click.option("--lang", "languages", multiple=True, metavar="CODE",
              help="A language to print (repeatable). Default: all the region has.")
@click.option("--website", default=None, help="The clinic's website.")
@click.option("--logo", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Logo file (.png or .svg); copied into the folder.")
@click.option("--logo-alt", default=None, help="The logo in a few words (for screen readers).")
@click.option("--brand-color", default=None, help="Brand colour, #RRGGBB.")
@click.option("--hours", default=None, help="Opening hours as printed.")
@click.option("--intake-email", default=None, help="Email address for new patients.")
@click.option("--tty", default=None, help="TTY number, or 711 for the relay service.")
@click.option("--sender", default=None, help="Email sender for the handouts.")
def init(folder, **given):
    """Set up a clinic's own folder: its details, its region and its settings.

    Asks for what is not given as a flag (in a terminal), checks each answer, and writes a
    folder holding only what is the clinic's; the crisis lines, handout text and templates
    come from this package. In that folder, build, check, email and preview work on the
    clinic's handouts. Run it again inside the folder to add another clinic.

    \b
    Examples:
      iop-handouts init cedar-valley
      iop-handouts init cedar-valley --name "Cedar Valley Health" \\
          --address "100 Main St" --address "Austin, TX 78701" --phone "(512) 555-0100" \\
          --country US --state TX --lang en --lang es --website cedarvalley.example.org
    """
    from .clinic_folder import ClinicAnswers, InitError, check_answers, write_clinic_folder

    answers = {name: value for name, value in given.items() if value not in (None, ())}
    if "address" in answers:
        answers["address"] = list(answers["address"])
    if "languages" in answers:
        answers["languages"] = list(answers["languages"])
    interactive = sys.stdin.isatty()
    for name, question, required in INIT_QUESTIONS:
        if name in answers or name in ("logo_alt",) and "logo" not in answers:
            continue
        if not interactive:
            if required:
                raise click.UsageError(f"--{name.replace('_', '-')} is needed (or run init in "
                                       f"a terminal to be asked)")
            continue
        answers[name] = _ask(name, question, required)
    while True:
        try:
            plan = check_answers(ClinicAnswers(**{k: v for k, v in answers.items() if v}))
            break
        except InitError as exc:
            if not interactive:
                raise InputError(str(exc)) from None
            click.echo(f"  {exc}", err=True)
            field = exc.answer.replace("-", "_")
            field = field if field in dict((q[0], q) for q in INIT_QUESTIONS) else "name"
            question = dict((q[0], q) for q in INIT_QUESTIONS)[field]
            answers[field] = _ask(field, question[1], question[2])
    try:
        written = write_clinic_folder(folder, plan)
    except InitError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{display_path(folder)}: cannot write here "
                                   f"({exc.strerror})") from None
    for path in written:
        click.echo(f"wrote      {display_path(path)}")
    where = "" if Path(folder).resolve() == Path.cwd().resolve() else f"\n  cd {folder}"
    click.echo(f"""
Next steps:{where}
  iop-handouts build                  # the handouts, into output/
  iop-handouts check                  # is it safe to print?
  iop-handouts preview                # page images and output/index.html
  iop-handouts email --to ADDRESS --dry-run
Edit clinics/{plan.clinic_id}.yaml and regions/{plan.region_id}.yaml to change what is printed.""")


def _ask(name: str, question: str, required: bool):
    value = click.prompt(question, default="" if not required else None,
                         show_default=False).strip()
    if name == "address":
        return [line.strip() for line in value.split("|") if line.strip()]
    if name == "languages":
        return [code.strip() for code in value.split(",") if code.strip()]
    if name == "logo":
        return Path(value) if value else None
    return value


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path),
                default=".")
def upgrade(folder):
    """Bring a clinic's folder up to this version, or turn a copied content folder into one.

    A copied content folder (the older way to make one's own handouts) keeps only the files
    that differ from the shipped ones; the others now come from the package, with its fixes.

    \b
    Examples:
      iop-handouts upgrade my-content
    """
    from .clinic_folder import upgrade as upgrade_folder

    try:
        for line in upgrade_folder(folder):
            click.echo(line)
    except HandoutError as exc:
        raise input_error(exc) from None


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--host", default=None, metavar="ADDRESS",
              help="Let other computers in: listen on ADDRESS (0.0.0.0 for all) and require "
                   "the access token printed at start. Default: this computer only.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free one).")
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
def serve(folder, host, port, no_browser):
    """Open the staff web app for a clinic's folder: set up or edit the clinic, see its
    handouts change as you edit, check, approve, build, download and email them.

    Only this computer can reach it (127.0.0.1) unless --host is given; then other
    computers open the address printed here, which holds an access token. Stop with Ctrl-C.

    \b
    Examples:
      iop-handouts serve                      # this folder, in this computer's browser
      iop-handouts serve clinic-folder --no-browser
      iop-handouts serve --host 0.0.0.0       # for the clinic's other computers
    """
    from .web.server import serve_app

    folder.mkdir(parents=True, exist_ok=True)
    try:
        serve_app(folder, host, port, open_browser=not no_browser, say=click.echo)
    except (OSError, ValueError) as exc:   # in use, not this computer's, not an address
        raise click.ClickException(f"cannot listen on {host or '127.0.0.1'}:{port}: "
                                   f"{getattr(exc, 'strerror', None) or exc}") from None

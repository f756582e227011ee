#!/usr/bin/env python3
"""Command line for the IOP handout generator: a thin layer over the iop_handouts package.

Run with no arguments to build every handout into output/.
"""

import sys
import time
from pathlib import Path

import click

from iop_handouts import DOCUMENTS, __version__
from iop_handouts.errors import ContentError, HandoutError
from iop_handouts.paths import CONTENT_DIR, DEFAULT_OUTPUT_DIR, display_path

# Bad input exits 2 (like a usage error); a document that fails to render exits 1.
EXIT_BAD_INPUT = 2
EXIT_RENDER_FAILED = 1
EXIT_INTERRUPTED = 130
PASSWORD_VARIABLE = "IOP_SMTP_PASSWORD"


class InputError(click.ClickException):
    exit_code = EXIT_BAD_INPUT


def edition_filters(verb: str):
    """--region and --lang, shared by the commands that work on editions."""
    def decorate(command):
        command = click.option("--lang", "languages", multiple=True, metavar="CODE",
                               help=f"{verb} only this language (repeatable), e.g. en, es, fr.")(command)
        return click.option("--region", "regions", multiple=True, metavar="ID",
                            help=f"{verb} only this region (repeatable). Default: all.")(command)
    return decorate


def content_option(command):
    return click.option("--content", "content_dir", default=CONTENT_DIR, show_default="content/",
                        type=click.Path(file_okay=False, path_type=Path),
                        help="Folder with the YAML content.")(command)


def load_content(content_dir: Path):
    from iop_handouts.content import ContentSet
    if not content_dir.is_dir():
        raise InputError(f"content folder {display_path(content_dir)} does not exist")
    return ContentSet(content_dir)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iop-handouts")
@click.pass_context
def cli(ctx):
    """Make printable patient handouts about Intensive Outpatient Programs (IOP).

    With no command, builds every handout into output/<region>/<language>/.

    \b
    Examples:
      python generate.py                      # build everything
      python generate.py build --region ca-qc --lang fr
      python generate.py regions
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(build)


@cli.command()
@edition_filters("Build")
@click.option("--doc", "documents", multiple=True, type=click.Choice(DOCUMENTS),
              help="Build only this document (repeatable). Default: all.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Documents rendered at once. Default: the number of CPUs.")
@click.option("--force", is_flag=True, help="Rebuild even what is up to date.")
@click.option("--out", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OUTPUT_DIR, show_default="output/", help="Folder for the PDFs.")
@click.option("--html", "write_html", is_flag=True,
              help="Also write the HTML beside each PDF (for designers and measuring).")
@click.option("--fold-marks", is_flag=True, help="Print fold guides on the brochure.")
@click.option("--print-shop", is_flag=True,
              help="Also make the print-shop edition (PDF/X-4, CMYK, bleed and crop marks) "
                   "beside each office PDF, e.g. brochure-print.pdf.")
@content_option
def build(regions, languages, documents, jobs, force, output_dir, write_html, fold_marks,
          print_shop, content_dir):
    """Build the brochure and checklist PDFs for every region and language.

    Only what changed since the last build is rendered; --force renders everything.

    \b
    Examples:
      python generate.py build
      python generate.py build --region us --region us-or --lang es
      python generate.py build --doc checklist --jobs 4 --force
      python generate.py build --out /tmp/handouts --html --fold-marks
      python generate.py build --print-shop      # adds brochure-print.pdf, checklist-print.pdf
    """
    code = run_build(regions, languages, documents, jobs, force, output_dir, write_html,
                     fold_marks, print_shop, content_dir)
    if code:
        sys.exit(code)


def run_build(regions=(), languages=(), documents=(), jobs=None, force=False,
              output_dir=DEFAULT_OUTPUT_DIR, write_html=False, fold_marks=False,
              print_shop=False, content_dir=CONTENT_DIR) -> int:
    """One build, reported on the terminal; returns the exit code."""
    from iop_handouts import manifest
    from iop_handouts.paths import STYLES_DIR, TEMPLATES_DIR

    started = time.monotonic()
    if not (force or regions or languages or documents) and content_dir.is_dir():
        # Answer a no-op from the manifest alone, before loading any heavy library.
        count = manifest.nothing_to_do(output_dir, TEMPLATES_DIR, STYLES_DIR, content_dir,
                                       manifest.options_key(fold_marks, print_shop), write_html)
        if count:
            click.echo(f"Nothing to do: all {count} PDFs are up to date (use --force to rebuild).")
            return 0

    from iop_handouts import build as builder
    from iop_handouts.render import Renderer, RenderOptions

    renderer = Renderer(content_dir=content_dir)
    # Workers start importing WeasyPrint and loading fonts while the content is read.
    pool = builder.start_workers(jobs, renderer)
    try:
        return _build(builder, RenderOptions(fold_marks, print_shop), renderer, pool, started,
                      regions, languages, documents, jobs, force, output_dir, write_html,
                      content_dir)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _build(builder, options, renderer, pool, started, regions, languages, documents, jobs, force,
           output_dir, write_html, content_dir):
    content = load_content(content_dir)
    for region_id in regions:
        if not content.region_path(region_id).exists():
            raise InputError(f"no such region '{region_id}' (known regions: "
                             f"{', '.join(content.region_ids())})")
    build_plan = builder.plan(content, regions, languages, documents, options)
    if not build_plan.jobs and not build_plan.content_failures:
        raise InputError("nothing matches those --region/--lang choices")
    results = builder.run(build_plan, output_dir, jobs=jobs, force=force, write_html=write_html,
                          renderer=renderer, pool=pool)
    counts = {"built": 0, "up to date": 0, "failed": 0}
    failures = []
    try:
        for result in show_progress(results, len(build_plan.jobs)):
            counts[result.status] += 1
            if result.status == "failed":
                failures.append(result)
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted: {counts['built']} PDFs written; the manifest lists them, "
                   f"and no partial files were left.", err=True)
        return EXIT_INTERRUPTED

    if counts["built"]:
        refresh_catalog(content, output_dir, renderer)
    report_content_failures(build_plan.content_failures)
    for result in failures:
        click.echo(f"Error: {result.job.name}: {result.error}", err=True)
    seconds = time.monotonic() - started
    if counts["built"] == 0 and not failures and not build_plan.content_failures:
        click.echo(f"Nothing to do: all {counts['up to date']} PDFs are up to date "
                   f"(use --force to rebuild).")
    else:
        failed = counts["failed"] + len(build_plan.content_failures)
        click.echo(f"{counts['built']} built, {counts['up to date']} up to date, "
                   f"{failed} failed in {seconds:.1f} s.")
    if build_plan.content_failures:
        return EXIT_BAD_INPUT
    if failures:
        return EXIT_RENDER_FAILED
    return 0


def refresh_catalog(content, output_dir, renderer):
    """Thumbnails for new PDFs, then output/index.html listing every built edition."""
    from iop_handouts.catalog import make_previews, write_catalog

    make_previews(output_dir)
    editions, _ = content.editions()
    return write_catalog(output_dir, editions, renderer.environment)


def show_progress(results, total):
    """A progress bar on a terminal; one plain line per document otherwise (logs, CI)."""
    if sys.stdout.isatty():
        with click.progressbar(results, length=total, label="Building",
                               item_show_func=lambda r: r.job.name if r else None) as bar:
            yield from bar
        return
    for result in results:
        if result.status == "failed":
            click.echo(f"failed     {result.job.relative_path}")
        else:
            click.echo(f"{result.status:<10} {result.job.relative_path} "
                       f"({result.size // 1024} KB, {result.pages} page{'s' * (result.pages != 1)})")
        yield result


def report_content_failures(failures):
    """One line per distinct problem: a typo in a shared file breaks many editions at once."""
    grouped: dict[str, list[str]] = {}
    for edition, error in failures:
        grouped.setdefault(str(error), []).append(edition)
    for message, editions in grouped.items():
        click.echo(f"Error: {message} [{', '.join(editions)}]", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@content_option
def regions(as_json, content_dir):
    """List the regions with their languages, paper and crisis lines.

    \b
    Examples:
      python generate.py regions
      python generate.py regions --json
    """
    import json

    content = load_content(content_dir)
    rows = []
    try:
        for region_id in content.region_ids():
            source, region, files = content.region(region_id)
            rows.append({
                "id": region.id,
                "name": region.name,
                "extends": [f.stem for f in files[:-1] if not f.stem.startswith("_")],
                "languages": region.languages,
                "paper": region.paper,
                "emergency": region.emergency.numbers,
                "crisis_lines": [
                    {"name": line.name.get(region.languages[0]),
                     "reach": [r.number or r.url for r in line.reach],
                     "open_24_7": line.open_24_7,
                     "source": line.source,
                     "verified_on": line.verified_on.isoformat()}
                    for line in region.crisis_lines],
            })
    except ContentError as exc:
        raise InputError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    header = f"{'region':<7} {'languages':<10} {'paper':<6} {'emergency':<10} crisis lines"
    click.echo(header)
    click.echo("-" * len(header))
    for row in rows:
        lines = "; ".join(f"{line['name']} ({', '.join(line['reach'])})"
                          for line in row["crisis_lines"])
        click.echo(f"{row['id']:<7} {','.join(row['languages']):<10} {row['paper']:<6} "
                   f"{' or '.join(row['emergency']):<10} {lines}")


@cli.command()
@click.option("--to", "addresses", multiple=True, metavar="ADDRESS",
              help="Send to this address (repeatable), with --region and --lang.")
@click.option("--region", default="us", show_default=True, metavar="ID",
              help="Region of the handouts sent to --to addresses.")
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
@click.option("--resend", is_flag=True, help="Send again what the send log says was sent.")
@click.option("--dry-run", is_flag=True, help="List who would get what; send nothing.")
@click.option("--out", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OUTPUT_DIR, show_default="output/",
              help="Folder of the PDFs, the outbox and the send log.")
@content_option
def email(addresses, region, language, csv_path, skip_invalid, sender, smtp_host, smtp_port,
          security, smtp_user, max_size, retries, retry_delay, resend, dry_run, output_dir,
          content_dir):
    """Email the brochure and checklist to patients and referral partners.

    Each recipient gets one message with the PDFs of their region and language (built
    first if out of date) and the crisis lines in the body. Without --smtp-host, messages
    are written to output/outbox/ as .eml files. The send log (output/send-log.jsonl)
    keeps a rerun from sending anything twice.

    \b
    Examples:
      python generate.py email --to ana@example.org --region us --lang es
      python generate.py email --csv recipients.csv --dry-run
      IOP_SMTP_PASSWORD=... python generate.py email --csv recipients.csv \\
          --smtp-host smtp.example.org --starttls --smtp-user clinic --from clinic@example.org
    """
    import os

    from iop_handouts import build as builder
    from iop_handouts import mail
    from iop_handouts.paths import TEMPLATES_DIR
    from iop_handouts.render import Renderer

    content = load_content(content_dir)
    if not addresses and not csv_path:
        raise click.UsageError("say who gets the handouts: --to ADDRESS or --csv FILE")
    try:
        recipients, problems = mail.recipients_from_addresses(addresses, region, language, content) \
            if addresses else ([], [])
        if csv_path:
            more, more_problems = mail.recipients_from_csv(csv_path, content)
            recipients += more
            problems += more_problems
    except ContentError as exc:
        raise InputError(str(exc)) from None
    except HandoutError as exc:
        raise InputError(str(exc)) from None
    serious = [p for p in problems if "listed twice" not in p.problem]
    for problem in problems:
        click.echo(f"{'Warning' if problem not in serious else 'Invalid'}: {problem}", err=True)
    if serious and not skip_invalid:
        raise InputError(f"{len(serious)} recipient{'s' * (len(serious) != 1)} not valid; "
                         f"nothing was sent (fix them, or use --skip-invalid)")
    if not recipients:
        raise InputError("no valid recipients; nothing was sent")

    password = None
    if smtp_user:
        password = os.environ.get(PASSWORD_VARIABLE)
        if not password and not dry_run:
            raise InputError(f"--smtp-user needs the password in the environment variable "
                             f"{PASSWORD_VARIABLE}")
    if (security or smtp_port) and not smtp_host:
        raise click.UsageError("--starttls, --ssl and --smtp-port need --smtp-host")

    # Build (or reuse) the PDFs of every edition someone will get.
    wanted = sorted({r.edition_key for r in recipients})
    build_plan = builder.plan(content, sorted({r.region for r in recipients}),
                              sorted({r.language for r in recipients}))
    build_plan.jobs = [j for j in build_plan.jobs if j.edition.key in wanted]
    editions = {j.edition.key: j.edition for j in build_plan.jobs}
    pdfs: dict[str, dict[str, Path]] = {}
    broken: dict[str, str] = {}
    for edition_key, error in build_plan.content_failures:
        broken[edition_key] = str(error)
    for result in builder.run(build_plan, output_dir, renderer=Renderer(content_dir=content_dir)):
        key = result.job.edition.key
        if result.status == "failed":
            broken[key] = f"{result.job.document}: {result.error}"
        else:
            pdfs.setdefault(key, {})[result.job.document] = result.path

    if smtp_host:
        transport = mail.SmtpTransport(mail.SmtpSettings(
            smtp_host, smtp_port, security or "plain", smtp_user, password))
    else:
        transport = mail.OutboxTransport(output_dir / "outbox")
    log = mail.SendLog(output_dir / "send-log.jsonl")
    postman = mail.Sender(transport, log, int(max_size * 1024 * 1024), retries, retry_delay, resend)
    maker = mail.MessageMaker(TEMPLATES_DIR)

    counts = {"sent": 0, "already sent": 0, "failed": 0, "would send": 0}
    try:
        for recipient in recipients:
            key = recipient.edition_key
            if key in broken or key not in editions:
                counts["failed"] += 1
                click.echo(f"failed       {recipient.email}: the {key} handouts could not be "
                           f"built: {broken.get(key, 'no such edition')}", err=True)
                continue
            edition = editions[key]
            attachments = mail.attachments_for(edition, pdfs[key])
            from_address = sender or mail.default_sender(edition)
            if not from_address:
                raise InputError(f"the {edition.region_id} clinic has no website to send from; "
                                 f"give --from ADDRESS")
            message = maker.make(edition, recipient, attachments, from_address)
            if dry_run:
                size = len(message.as_bytes())
                already = mail.delivery_key(recipient, attachments, transport.destination) in log.keys
                files = ", ".join(f"{a.filename} ({len(a.data) // 1024} KB)" for a in attachments)
                note = " (already sent; --resend to send again)" if already and not resend else ""
                click.echo(f"would send   {recipient.email} [{key}]: {files}; message "
                           f"{size // 1024} KB{note}")
                counts["would send"] += 1
                continue
            delivery = postman.deliver(recipient, message, attachments)
            counts[delivery.status] += 1
            line = f"{delivery.status:<12} {recipient.email} [{key}]"
            if delivery.status == "sent":
                line += f" ({delivery.size // 1024} KB"
                line += f", after {delivery.attempts} tries)" if delivery.attempts > 1 else ")"
            if delivery.detail:
                line += f": {delivery.detail}"
            click.echo(line, err=delivery.status == "failed")
    except HandoutError as exc:
        # A problem with the whole run (the login was refused, TLS failed): stop here.
        raise InputError(f"{exc}; {counts['sent']} sent before this") from None
    finally:
        transport.close()

    where = transport.destination if smtp_host else display_path(output_dir / "outbox")
    if dry_run:
        click.echo(f"Dry run: {counts['would send']} message(s) would go to {where}; "
                   f"nothing was sent.")
        return
    click.echo(f"{counts['sent']} sent to {where}, {counts['already sent']} already sent, "
               f"{counts['failed']} failed.")
    if counts["failed"]:
        sys.exit(EXIT_RENDER_FAILED)


@cli.command()
@edition_filters("Check")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other programs.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--out", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OUTPUT_DIR, show_default="output/",
              help="Folder of the built PDFs to read.")
@content_option
def check(regions, languages, as_json, strict, output_dir, content_dir):
    """Check that the content is safe to print.

    Crisis lines (present, open 24/7, sourced, verified in the last 180/365 days, valid
    numbers, and printed in the built PDFs), reading level, plain-language rules, type size
    and contrast from the stylesheets, and review records. Exit code 0 when there is no
    error (warnings allowed unless --strict), 1 otherwise. Build first, so the PDFs can be read.

    \b
    Examples:
      python generate.py build && python generate.py check
      python generate.py check --region us --lang es
      python generate.py check --json > check.json
    """
    import json

    from iop_handouts.checks import run_checks
    from iop_handouts.paths import STYLES_DIR
    from iop_handouts.render import Renderer

    content = load_content(content_dir)
    for region_id in regions:
        if not content.region_path(region_id).exists():
            raise InputError(f"no such region '{region_id}' (known regions: "
                             f"{', '.join(content.region_ids())})")
    report = run_checks(content_dir, output_dir, STYLES_DIR, Renderer(content_dir=content_dir),
                        regions, languages)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print_report(report)
    if report.count("error") or (strict and report.count("warning")):
        sys.exit(1)


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
@click.option("--out", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OUTPUT_DIR, show_default="output/", help="Folder of the built PDFs.")
@content_option
def preview(output_dir, content_dir):
    """Draw PNG thumbnails of every page of every built PDF, and the catalog page.

    Thumbnails go beside their PDFs (brochure-page1.png, ...) and are redrawn only when their
    PDF changed. output/index.html lists every edition; it opens from disk, no server needed.

    \b
    Examples:
      python generate.py preview
      python generate.py build --region us && python generate.py preview
    """
    from iop_handouts.catalog import make_previews, write_catalog
    from iop_handouts.render import Renderer

    redrawn = make_previews(output_dir)
    for pdf in redrawn:
        click.echo(f"drew {display_path(pdf)}")
    content = load_content(content_dir)
    editions, _ = content.editions()
    index = write_catalog(output_dir, editions, Renderer(content_dir=content_dir).environment)
    click.echo(f"{len(redrawn)} PDF(s) drawn; catalog: {display_path(index)}")


@cli.command()
@click.option("--out", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OUTPUT_DIR, show_default="output/", help="Folder for the PDFs.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Documents rendered at once. Default: the number of CPUs.")
@content_option
def watch(output_dir, jobs, content_dir):
    """Rebuild the affected handouts whenever content, templates or styles change.

    Prints what it rebuilt and any content error, and keeps watching. Ctrl-C stops it.

    \b
    Examples:
      python generate.py watch
      python generate.py watch --out /tmp/preview
    """
    import watchfiles

    from iop_handouts.paths import STYLES_DIR, TEMPLATES_DIR

    load_content(content_dir)
    folders = [content_dir, TEMPLATES_DIR, STYLES_DIR]
    run_build(output_dir=output_dir, jobs=jobs, content_dir=content_dir)
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
                run_build(output_dir=output_dir, jobs=jobs, content_dir=content_dir)
            except click.ClickException as exc:  # bad content: say so and keep watching
                click.echo(f"Error: {exc.format_message()}", err=True)
            click.echo("Watching for changes...")
    except KeyboardInterrupt:
        pass
    click.echo("Stopped watching.")


if __name__ == "__main__":
    sys.exit(cli())

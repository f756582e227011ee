#!/usr/bin/env python3
"""Command line for the IOP handout generator: a thin layer over the iop_handouts package.

Run with no arguments to build every handout into output/.
"""

import sys
import time
from pathlib import Path

import click

from iop_handouts import __version__
from iop_handouts.content import DOCUMENTS
from iop_handouts.errors import ContentError
from iop_handouts.paths import CONTENT_DIR, DEFAULT_OUTPUT_DIR, display_path

# Bad input exits 2 (like a usage error); a document that fails to render exits 1.
EXIT_BAD_INPUT = 2
EXIT_RENDER_FAILED = 1
EXIT_INTERRUPTED = 130


class InputError(click.ClickException):
    exit_code = EXIT_BAD_INPUT


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
@click.option("--region", "regions", multiple=True, metavar="ID",
              help="Build only this region (repeatable). Default: all.")
@click.option("--lang", "languages", multiple=True, metavar="CODE",
              help="Build only this language (repeatable), e.g. en, es, fr.")
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
@content_option
def build(regions, languages, documents, jobs, force, output_dir, write_html, fold_marks,
          content_dir):
    """Build the brochure and checklist PDFs for every region and language.

    Only what changed since the last build is rendered; --force renders everything.

    \b
    Examples:
      python generate.py build
      python generate.py build --region us --region us-or --lang es
      python generate.py build --doc checklist --jobs 4 --force
      python generate.py build --out /tmp/handouts --html --fold-marks
    """
    from iop_handouts import build as builder
    from iop_handouts.render import Renderer, RenderOptions

    content = load_content(content_dir)
    for region_id in regions:
        if not content.region_path(region_id).exists():
            raise InputError(f"no such region '{region_id}' (known regions: "
                             f"{', '.join(content.region_ids())})")
    started = time.monotonic()
    build_plan = builder.plan(content, regions, languages, documents,
                              RenderOptions(fold_marks=fold_marks))
    if not build_plan.jobs and not build_plan.content_failures:
        raise InputError("nothing matches those --region/--lang choices")
    results = builder.run(build_plan, output_dir, jobs=jobs, force=force, write_html=write_html,
                          renderer=Renderer(content_dir=content_dir))
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
        sys.exit(EXIT_INTERRUPTED)

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
        sys.exit(EXIT_BAD_INPUT)
    if failures:
        sys.exit(EXIT_RENDER_FAILED)


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


if __name__ == "__main__":
    sys.exit(cli())

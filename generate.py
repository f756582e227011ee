#!/usr/bin/env python3
"""Command line for the IOP handout generator: a thin layer over the iop_handouts package.

Run with no arguments to build every handout into output/.
"""

import sys
from pathlib import Path

import click

from iop_handouts import __version__
from iop_handouts.content import DOCUMENTS
from iop_handouts.errors import ContentError, HandoutError
from iop_handouts.paths import CONTENT_DIR, DEFAULT_OUTPUT_DIR, display_path

# Bad input exits 2 (like a usage error); a document that fails to render exits 1.
EXIT_BAD_INPUT = 2


class InputError(click.ClickException):
    exit_code = EXIT_BAD_INPUT


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iop-handouts")
@click.pass_context
def cli(ctx):
    """Make printable patient handouts about Intensive Outpatient Programs (IOP).

    With no command, builds every handout into output/<region>/<language>/.

    \b
    Examples:
      python generate.py                      # build everything
      python generate.py build --doc checklist
      python generate.py build --fold-marks --html
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(build)


@cli.command()
@click.option("--doc", "documents", multiple=True, type=click.Choice(DOCUMENTS),
              help="Build only this document (repeatable). Default: all.")
@click.option("--out", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_OUTPUT_DIR, show_default="output/", help="Folder for the PDFs.")
@click.option("--html", "write_html", is_flag=True,
              help="Also write the HTML beside each PDF (for designers and measuring).")
@click.option("--fold-marks", is_flag=True, help="Print fold guides on the brochure.")
@click.option("--content", "content_dir", type=click.Path(file_okay=False, path_type=Path),
              default=CONTENT_DIR, show_default="content/", help="Folder with the YAML content.")
def build(documents, output_dir, write_html, fold_marks, content_dir):
    """Build the brochure and checklist PDFs.

    \b
    Examples:
      python generate.py build
      python generate.py build --doc brochure --out /tmp/handouts --html
    """
    from iop_handouts import build as builder
    from iop_handouts.content import ContentSet
    from iop_handouts.render import Renderer, RenderOptions

    if not content_dir.is_dir():
        raise InputError(f"content folder {display_path(content_dir)} does not exist")
    try:
        jobs = builder.plan(ContentSet(content_dir), tuple(documents) or DOCUMENTS)
    except ContentError as exc:
        raise InputError(str(exc)) from None

    def report(result):
        click.echo(f"built {display_path(result.path)} ({result.size // 1024} KB)")

    try:
        builder.run(jobs, output_dir, RenderOptions(fold_marks=fold_marks), write_html=write_html,
                    renderer=Renderer(content_dir=content_dir), on_done=report)
    except ContentError as exc:
        raise InputError(str(exc)) from None
    except HandoutError as exc:
        raise click.ClickException(str(exc)) from None


if __name__ == "__main__":
    sys.exit(cli())

"""The staff web app: set up or edit a clinic, see its handouts change, check, approve, build,
download and email them. Each route reads the form, calls the same library entry point the
CLI calls (clinic_edit, live_preview, checks, review, build, mail) and shows the result; the
handouts themselves are made nowhere else.
"""

import os
import secrets
import time
from datetime import date
from pathlib import Path

from flask import (Flask, abort, flash, redirect, render_template, request, send_file,
                   send_from_directory, url_for)

from ..clinic_edit import (clinic_entry, clinics_in, hours_per_language, problems_in,
                           read_answers, save_answers, save_logo, set_up_clinic)
from ..clinic_folder import InitError, is_clinic_folder, national_regions, read_settings
from ..errors import HandoutError, error_lines
from ..paths import DEFAULT_OUTPUT_DIR, PASSWORD_VARIABLE, SETTINGS_FILE, WEB_EDITION_NAME
from .forms import (COUNTRIES, FIELDS, LABELS, answers_from_form, field_for, form_values,
                    language_label)
from .security import MAX_CSV_BYTES, protect

# A recipient list waits in memory (never on disk) between its dry run and its send.
PENDING_LIST_SECONDS = 30 * 60


def create_app(folder: Path, token: str | None = None, loopback_only: bool = True,
               previewer=None) -> Flask:
    """The app for one clinic folder (set up on first use). `previewer` draws the live
    preview (a live_preview.Previewer; started on first use when not given)."""
    app = Flask(__name__)
    protect(app, token, loopback_only)
    folder = Path(folder).resolve()
    state = {"previewer": previewer, "previews": {}, "lists": {}}

    def output_dir() -> Path:
        if is_clinic_folder(folder):
            return folder / read_settings(folder).output
        return folder / DEFAULT_OUTPUT_DIR.name

    def entry_or_404(clinic_id: str):
        try:
            return clinic_entry(folder, clinic_id)
        except InitError:
            abort(404, f"No clinic '{clinic_id}' in this folder.")

    def previewer_now():
        if state["previewer"] is None:
            from ..live_preview import Previewer
            state["previewer"] = Previewer(folder)
        return state["previewer"]

    app.extensions["iop_previewer"] = state

    @app.errorhandler(HandoutError)
    def bad_content(exc):
        # A mistake in a file the app reads (a YAML typo made in an editor): one line each.
        return render_template("problem.html", lines=error_lines(exc), folder=folder), 400

    @app.errorhandler(500)
    def bug(exc):
        # The details go to the terminal `serve` runs in (waitress logs them), not the page.
        return render_template("problem.html", lines=[
            "Something went wrong inside the app (a bug, not your mistake). Each file is "
            "written whole or not at all; the terminal running `iop-handouts serve` shows "
            "the details."],
            folder=folder), 500

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def http_problem(exc):
        from flask_wtf.csrf import CSRFError

        lines = [exc.description]
        if isinstance(exc, CSRFError):
            lines = ["The form was sent without its security token, or from another page. "
                     "Go back, reload the page and try again."]
        if exc.code == 413:
            lines = ["The file is too large: logos up to 5 MB, recipient lists up to 1 MB."]
        return render_template("problem.html", lines=lines, folder=folder), exc.code

    @app.context_processor
    def everywhere():
        clinics = clinics_in(folder) if (folder / "regions").is_dir() else []
        return {"all_clinics": clinics, "folder": folder, "labels": LABELS,
                "language_label": language_label}

    # --- set up and edit ---------------------------------------------------------------------

    @app.get("/")
    def home():
        clinics = clinics_in(folder) if (folder / "regions").is_dir() else []
        if not clinics:
            return redirect(url_for("setup"))
        if len(clinics) == 1:
            return redirect(url_for("clinic", clinic_id=clinics[0].clinic_id))
        return render_template("home.html", clinics=clinics)

    @app.route("/setup", methods=["GET", "POST"])
    def setup():
        if (folder / "regions").is_dir() and not is_clinic_folder(folder):
            abort(400, f"{folder} holds content but no {SETTINGS_FILE}; run `iop-handouts "
                       f"upgrade {folder}` first.")
        regions = national_regions()
        values, problems = {"country": "US"}, {}
        if request.method == "POST":
            answers = answers_from_form(request.form)
            values = form_values(answers)
            problems = problems_in(answers)
            upload = request.files.get("logo")
            if upload and upload.filename and not problems:
                problems = _with_logo(answers, upload, None, problems)
            if not problems:
                try:
                    plan = set_up_clinic(folder, answers)
                except InitError as exc:
                    problems = {exc.answer: exc.problem}
                else:
                    if upload and upload.filename:
                        logo = save_logo(folder, plan.clinic_id, upload.read())
                        save_answers(folder, plan.clinic_id,
                                     _replace(answers, logo=logo))
                    flash(f"{answers.name} is set up. Its files are in {folder}.")
                    return redirect(url_for("clinic", clinic_id=plan.clinic_id), 303)
        chose_logo = bool(request.files.get("logo") and request.files["logo"].filename)
        return render_template("clinic.html", mode="setup", fields=FIELDS, values=values,
                               problems=problems, countries=COUNTRIES, regions=regions,
                               languages=[], entry=None, chose_logo=chose_logo), \
            400 if problems else 200

    @app.route("/clinic/<clinic_id>", methods=["GET", "POST"])
    def clinic(clinic_id):
        entry = entry_or_404(clinic_id)
        answers = read_answers(folder, clinic_id)
        problems = {}
        if request.method == "POST":
            edited = answers_from_form(request.form, answers.country, answers.state,
                                       logo=answers.logo)
            if request.form.get("remove-logo"):
                edited = _replace(edited, logo=None, logo_alt="")
            upload = request.files.get("logo")
            problems = problems_in(_replace(edited, logo=None if upload and upload.filename
                                            else edited.logo))
            if not request.form.getlist("languages"):
                problems = {"languages": "choose at least one language to print", **problems}
            if upload and upload.filename and not problems:
                problems = _with_logo(edited, upload, clinic_id, problems)
                if not problems:
                    edited = _replace(edited, logo=save_logo(folder, clinic_id, upload.read()))
            if not problems:
                try:
                    changed = save_answers(folder, clinic_id, edited)
                except InitError as exc:
                    problems = {exc.answer: exc.problem}
                else:
                    flash("Saved; the preview shows the change." if changed
                          else "Nothing changed.")
                    return redirect(url_for("clinic", clinic_id=clinic_id,
                                            edition=request.args.get("edition")), 303)
            answers = edited
        edition = _chosen_edition(entry, request.args.get("edition"))
        # With answers to fix, the preview still shows the files as saved, and says so.
        started = time.perf_counter()
        preview = previewer_now().preview(*edition.split("/", 1))
        state["previews"][preview.edition_key] = preview
        app.logger.info("preview of %s in %.2f s", edition, time.perf_counter() - started)
        chose_logo = bool(request.files.get("logo") and request.files["logo"].filename)
        regions = national_regions()
        return render_template(
            "clinic.html", mode="edit", fields=FIELDS, values=form_values(answers),
            problems=problems, entry=entry, edition=edition, preview=preview,
            editions=_editions(entry), country=COUNTRIES.get(answers.country, answers.country),
            languages=regions.get(entry.base_region, {}).get("languages", entry.languages),
            chosen_languages=answers.languages, logo=answers.logo, chose_logo=chose_logo,
            hours_in_file=hours_per_language(folder, clinic_id)), 400 if problems else 200

    @app.get("/preview/<clinic_id>/<document>-<int:page>.png")
    def preview_image(clinic_id, document, page):
        entry_or_404(clinic_id)
        preview = state["previews"].get(request.args.get("edition", ""))
        wanted = request.args.get("v")
        for drawn in preview.documents if preview else ():
            if drawn.document == document and drawn.key == wanted and 1 <= page <= len(drawn.pages):
                from io import BytesIO
                response = send_file(BytesIO(drawn.pages[page - 1]), mimetype="image/png")
                response.headers["Cache-Control"] = "private, max-age=3600"
                return response
        abort(404, "That preview is gone; reload the page.")

    # --- checks and review -------------------------------------------------------------------

    @app.get("/clinic/<clinic_id>/checks")
    def checks(clinic_id):
        from ..checks import run_checks
        from ..paths import STYLES_DIR
        from ..render import Renderer

        entry = entry_or_404(clinic_id)
        report = run_checks(folder, output_dir(), STYLES_DIR, Renderer(content_dir=folder),
                            entry.region_ids)
        findings = [(finding, field_for(finding.where, clinic_id))
                    for finding in report.findings]
        not_built = any(f.rule == "crisis.in-pdf" and f.problem.startswith("not built")
                        for f in report.findings)
        return render_template("checks.html", entry=entry, report=report, findings=findings,
                               not_built=not_built)

    @app.route("/clinic/<clinic_id>/review", methods=["GET", "POST"])
    def review(clinic_id):
        from ..approvals import ApprovalError
        from ..clinic_folder import open_content
        from ..review import approve_file, review_files

        entry = entry_or_404(clinic_id)
        content = open_content(folder)
        problem = None
        if request.method == "POST":
            try:
                record = approve_file(content, request.form.get("file", ""),
                                      request.form.get("by", "").strip(),
                                      request.form.get("role", ""), date.today())
            except (ApprovalError, HandoutError) as exc:
                problem = str(exc)
            else:
                flash(f"{record.file} approved by {record.by} ({record.role}).")
                return redirect(url_for("review", clinic_id=clinic_id), 303)
            content = open_content(folder)
        report = review_files(content)
        own = [key for key, _ in report.editions if key.split("/")[0] in entry.region_ids]
        rows = [row for row in report.files if set(row.editions) & set(own)]
        editions = [(key, status) for key, status in report.editions if key in own]
        return render_template("review.html", entry=entry, rows=rows, editions=editions,
                               problem=problem), 400 if problem else 200

    # --- build and download ------------------------------------------------------------------

    @app.route("/clinic/<clinic_id>/build", methods=["GET", "POST"])
    def build(clinic_id):
        from ..build import BuildRequest, NotApprovedError
        from ..build import build as build_handouts
        from ..render import RenderOptions

        entry = entry_or_404(clinic_id)
        summary, waiting = None, []
        if request.method == "POST":
            print_shop = bool(request.form.get("print-shop"))
            large_print = bool(request.form.get("large-print"))
            final = bool(request.form.get("final"))
            build_request = BuildRequest(content_dir=folder, output_dir=output_dir(),
                                         regions=entry.region_ids,
                                         options=RenderOptions(False, print_shop, large_print),
                                         final=final)
            try:
                summary = build_handouts(build_request)
            except NotApprovedError as exc:
                waiting = exc.lines()
        return render_template("build.html", entry=entry, summary=summary, waiting=waiting,
                               files=_built_files(output_dir(), entry), output=output_dir())

    @app.get("/download/<path:name>")
    def download(name):
        if not (name.endswith(".pdf") or name.endswith("/" + WEB_EDITION_NAME)):
            abort(404, "Only the built PDFs and web pages can be downloaded here.")
        # send_from_directory refuses any name that leads outside the output folder.
        return send_from_directory(
            output_dir(), name, as_attachment=True,
            mimetype="application/pdf" if name.endswith(".pdf") else "text/html")

    # --- email -------------------------------------------------------------------------------

    @app.route("/clinic/<clinic_id>/email", methods=["GET", "POST"])
    def email(clinic_id):
        entry = entry_or_404(clinic_id)
        settings = read_settings(folder) if is_clinic_folder(folder) else None
        smtp = settings.email.smtp if settings else None
        _forget_old_lists(state["lists"])
        context = {"entry": entry, "smtp": smtp, "password_variable": PASSWORD_VARIABLE,
                   "deliveries": None, "problems": [], "list_id": None, "sent": None,
                   "error": None, "drafts": [], "outbox": None}
        if request.method == "POST":
            list_id = request.form.get("list")
            send = request.form.get("action") == "send"
            if list_id:
                held = state["lists"].get(list_id)
                if held is None:
                    abort(400, "That recipient list is no longer held; upload it again.")
                data, name = held[0], held[1]
            else:
                upload = request.files.get("recipients")
                if not upload or not upload.filename:
                    context["error"] = "Choose a recipient list (a CSV file) to upload."
                    return render_template("email.html", **context), 400
                from werkzeug.utils import secure_filename
                name = secure_filename(upload.filename) or "recipients.csv"
                data = upload.read(MAX_CSV_BYTES + 1)
                if len(data) > MAX_CSV_BYTES:
                    abort(413)
            use_smtp = send and request.form.get("via") == "smtp" and smtp is not None
            try:
                deliveries, problems = _send(folder, output_dir(), data, name,
                                             dry_run=not send, smtp=smtp if use_smtp else None,
                                             sender=settings.email.sender if settings else None)
            except HandoutError as exc:
                context["error"] = "; ".join(error_lines(exc))
                return render_template("email.html", **context), 400
            context.update(deliveries=deliveries, problems=problems,
                           drafts=_drafts(folder, deliveries))
            if send:
                state["lists"].pop(list_id, None)
                context["sent"] = "smtp" if use_smtp else "outbox"
                context["outbox"] = output_dir() / "outbox"
            else:
                list_id = secrets.token_urlsafe(16)
                state["lists"][list_id] = (data, name, time.monotonic())
                context["list_id"] = list_id
        return render_template("email.html", **context)

    @app.get("/clinic/<clinic_id>/file")
    def view_file(clinic_id):
        """A file as it is now, to read before approving it: only the files the clinic's
        editions are made from, by the name the review page gives them."""
        from ..clinic_folder import open_content
        from ..review import file_path, review_files

        entry = entry_or_404(clinic_id)
        content = open_content(folder)
        name = request.args.get("name", "")
        report = review_files(content)
        own = {key for key, _ in report.editions if key.split("/")[0] in entry.region_ids}
        if not any(row.review.name == name and set(row.editions) & own for row in report.files):
            abort(404, "That is not one of the files these handouts are made from.")
        text = file_path(content, name).read_text(encoding="utf-8", errors="replace")
        return render_template("file.html", entry=entry, name=name, text=text)

    @app.get("/clinic/<clinic_id>/recipients-example.csv")
    def example_list(clinic_id):
        entry = entry_or_404(clinic_id)
        rows = ["email,name,region,language"] + [
            f"patient{number}@example.org,,{entry.region_ids[0]},{language.split('-')[0]}"
            for number, language in enumerate(entry.languages, 1)]
        response = app.response_class("\n".join(rows) + "\n", mimetype="text/csv")
        response.headers["Content-Disposition"] = "attachment; filename=recipients-example.csv"
        return response

    return app


# --- helpers (no handout logic: they adapt the library's results to the pages) ---------------

def _replace(answers, **changes):
    from dataclasses import replace
    return replace(answers, **changes)


def _with_logo(answers, upload, clinic_id, problems: dict) -> dict:
    """The upload is checked when it is saved; the description must come with it."""
    if not answers.logo_alt.strip():
        return {**problems, "logo-alt": "describe the logo in a few words (read out by screen "
                                        "readers), e.g. 'Cedar Valley Health logo'"}
    from ..logos import LogoError, uploaded_logo
    data = upload.read()
    upload.stream.seek(0)
    try:
        uploaded_logo(data)
    except LogoError as exc:
        return {**problems, "logo": f"the file {exc}"}
    return problems


def _drafts(folder: Path, deliveries) -> list[str]:
    """The editions about to go out that are drafts (each page says "Draft")."""
    from ..clinic_folder import open_content

    content = open_content(folder)
    keys = sorted({d.recipient.edition_key for d in deliveries})
    drafts = []
    for key in keys:
        region, language = key.split("/", 1)
        try:
            if not content.edition(region, language).review.final:
                drafts.append(key)
        except HandoutError:
            continue    # reported with the delivery
    return drafts


def _editions(entry) -> list[str]:
    return [f"{region}/{language}" for region in entry.region_ids for language in entry.languages]


def _chosen_edition(entry, wanted: str | None) -> str:
    editions = _editions(entry)
    return wanted if wanted in editions else editions[0]


def _built_files(output_dir: Path, entry) -> list[tuple[str, int]]:
    """The PDFs and web pages built for the clinic's regions, as (name under the output
    folder, bytes)."""
    files = []
    for region in entry.region_ids:
        for path in sorted([*(output_dir / region).glob("*/*.pdf"),
                            *(output_dir / region).glob(f"*/{WEB_EDITION_NAME}")]):
            files.append((path.relative_to(output_dir).as_posix(), path.stat().st_size,
                          _file_label(path)))
    return files


def _file_label(path: Path) -> str:
    """'Brochure, English (United States), large print' for .../en-US/brochure-large-print.pdf."""
    language = language_label(path.parent.name)
    if path.name == WEB_EDITION_NAME:
        return f"Web page, {language}, for a website, a patient portal or a phone"
    document, _, variant = path.stem.partition("-")
    kind = {"": "for the office printer", "print": "for a print shop",
            "large-print": "large print"}.get(variant, variant)
    return f"{document.capitalize()}, {language}, {kind}"


def _forget_old_lists(lists: dict) -> None:
    now = time.monotonic()
    for key in [k for k, (*_, held) in lists.items() if now - held > PENDING_LIST_SECONDS]:
        del lists[key]


def _send(folder: Path, output_dir: Path, data: bytes, name: str, dry_run: bool, smtp,
          sender):
    """The recipient list through `email`'s own steps: checked, then a dry run or a send.
    The list is read from memory: it is never written to disk."""
    from .. import mail
    from ..clinic_folder import open_content

    content = open_content(folder)
    recipients, problems = mail.recipients_from_csv_bytes(data, Path(name), content)
    blocking = [p for p in problems if p.blocking]
    if blocking and not dry_run:
        raise mail.MailInputError(f"{len(blocking)} recipient(s) not valid; nothing was sent "
                                  f"(fix the list and upload it again)")
    settings = None
    if smtp is not None:
        password = os.environ.get(PASSWORD_VARIABLE) if smtp.user else None
        if smtp.user and not password:
            raise mail.MailInputError(f"the mail server needs the password in the environment "
                                      f"variable {PASSWORD_VARIABLE} (set it before `serve`)")
        settings = mail.SmtpSettings(smtp.host, smtp.port, smtp.security, smtp.user, password)
    request = mail.SendRequest(tuple(recipients), content_dir=folder, output_dir=output_dir,
                               smtp=settings, sender=sender, dry_run=dry_run)
    deliveries = list(mail.send_handouts(request)) if recipients else []
    return deliveries, problems

#!/usr/bin/env python3
"""Benchmark the handout build on this machine, in one run, and print a table.

    A  the full build of every shipped edition, --force --jobs 1
    B  the same with the default number of jobs
    C  the floor: bare WeasyPrint rendering the same HTML (from `build --html`) in one
       process, one reused FontConfiguration, the same PDF options as the build
    D  the usual way: a shell loop calling the `weasyprint` command once per HTML file
    E  a no-op rebuild (everything up to date)
    F  the staff web app: from an edit saved to its updated preview (bench/web_preview.py)

Each is run several times and the median is quoted. Ratios come from medians measured in
this same run, so a busy or slow machine shifts them less than it shifts the seconds.

    make bench                      # or: .venv/bin/python bench/run.py --runs 5
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
GENERATE = [sys.executable, str(PROJECT / "generate.py")]
TARGETS = {"A/C": ("<=", 1.05), "D/B": (">=", 6.0), "A/B": (">=", 1.8), "E/A": ("<=", 0.03)}
BROCHURE_TARGET_BYTES = 150 * 1024
HELP_TARGET_SECONDS = 0.3


def timed(command, **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - started


def median_of(runs, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


class PeakMemory:
    """Polls /proc for the peak resident memory (VmHWM) of a process's children: the build's
    worker processes. Linux only; elsewhere it reports nothing."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.peaks: dict[int, int] = {}
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _children(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def _poll(self):
        while self.process.poll() is None:
            for pid in self._children():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peaks[pid] = max(self.peaks.get(pid, 0), int(line.split()[1]) * 1024)
            time.sleep(0.02)

    def join(self):
        self._thread.join()
        return sorted(self.peaks.values(), reverse=True)


def render_floor(html_files, out_dir) -> float:
    """C: bare WeasyPrint, one process, one FontConfiguration, the build's PDF options."""
    code = (
        "import sys, time, weasyprint\n"
        "from weasyprint.text.fonts import FontConfiguration\n"
        "from iop_handouts.render import PDF_OPTIONS\n"
        "fonts = FontConfiguration()\n"
        "started = time.perf_counter()\n"
        "for source, target in zip(sys.argv[1::2], sys.argv[2::2]):\n"
        "    weasyprint.HTML(filename=source).write_pdf(target, font_config=fonts, **PDF_OPTIONS)\n"
        "print(time.perf_counter() - started)\n"
    )
    arguments = []
    for html in html_files:
        arguments += [str(html), str(out_dir / f"{html.parent.parent.name}-{html.parent.name}-{html.stem}.pdf")]
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *arguments], check=True, cwd=PROJECT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def usual_way(html_files, out_dir) -> float:
    """D: the weasyprint command once per file, from a shell loop."""
    weasyprint = Path(sys.executable).parent / "weasyprint"
    script = "\n".join(
        f'"{weasyprint}" --pdf-variant pdf/ua-1 "{html}" "{out_dir}/{i}.pdf"'
        for i, html in enumerate(html_files))
    return timed(["sh", "-e", "-c", script])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (median)")
    args = parser.parse_args()

    import weasyprint
    work = Path(tempfile.mkdtemp(prefix="iop-bench-"))
    out = work / "output"
    try:
        build = GENERATE + ["build", "--out", str(out)]
        print(f"Measuring ({args.runs} runs each)...", file=sys.stderr)
        a = median_of(args.runs, lambda: timed(build + ["--force", "--jobs", "1"]))

        b_runs, worker_peaks = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            process = subprocess.Popen(build + ["--force"], stdout=subprocess.DEVNULL)
            memory = PeakMemory(process)
            if process.wait() != 0:
                raise SystemExit("the build failed")
            b_runs.append(time.perf_counter() - started)
            worker_peaks = memory.join() or worker_peaks
        b = statistics.median(b_runs)

        e = median_of(max(args.runs, 5), lambda: timed(build))

        html_out = work / "html"
        subprocess.run(GENERATE + ["build", "--out", str(html_out), "--html", "--force"],
                       check=True, stdout=subprocess.DEVNULL)
        html_files = sorted(html_out.glob("*/*/*.html"))  # the documents, not the catalog
        floor_dir, usual_dir = work / "floor", work / "usual"
        floor_dir.mkdir()
        usual_dir.mkdir()
        c = median_of(args.runs, lambda: render_floor(html_files, floor_dir))
        d = median_of(args.runs, lambda: usual_way(html_files, usual_dir))
        help_seconds = median_of(max(args.runs, 5), lambda: timed(GENERATE + ["--help"]))
        from web_preview import TARGET_SECONDS as PREVIEW_TARGET, edit_to_preview_seconds
        f = statistics.median(edit_to_preview_seconds(max(3 * args.runs, 9)))

        sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in sorted(out.rglob("*.pdf"))}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ratios = {"A/C": a / c, "D/B": d / b, "A/B": a / b, "E/A": e / a}
    print(f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
          f"{platform.python_version()}, WeasyPrint {weasyprint.__version__}; "
          f"{len(html_files)} PDFs; median of {args.runs} runs")
    print()
    print("| measurement | seconds |")
    print("|---|---:|")
    for label, value in (("A full build, --force --jobs 1", a),
                         (f"B full build, --force, default jobs ({os.cpu_count()})", b),
                         ("C floor: bare WeasyPrint, one process", c),
                         ("D usual way: weasyprint command per file", d),
                         ("E no-op rebuild", e),
                         ("F web app: edit to updated preview (median of edits)", f),
                         ("`generate.py --help`", help_seconds)):
        print(f"| {label} | {value:.2f} |")
    print()
    print("| ratio | value | target | |")
    print("|---|---:|---:|---|")
    for name, value in ratios.items():
        sign, target = TARGETS[name]
        ok = value <= target if sign == "<=" else value >= target
        print(f"| {name} | {value:.3f} | {sign} {target} | {'met' if ok else 'MISSED'} |")
    help_ok = help_seconds < HELP_TARGET_SECONDS
    print(f"| --help | {help_seconds:.2f} s | < {HELP_TARGET_SECONDS} s | "
          f"{'met' if help_ok else 'MISSED'} |")
    print(f"| F edit to preview | {f:.2f} s | <= {PREVIEW_TARGET} s | "
          f"{'met' if f <= PREVIEW_TARGET else 'MISSED'} |")
    brochures = {k: v for k, v in sizes.items() if k.endswith("brochure.pdf")}
    largest = max(brochures.values())
    print(f"| largest brochure | {largest / 1024:.0f} KB | <= {BROCHURE_TARGET_BYTES // 1024} KB | "
          f"{'met' if largest <= BROCHURE_TARGET_BYTES else 'MISSED'} |")
    print()
    print("Peak memory per worker (B): " + (", ".join(f"{p / 1024 / 1024:.0f} MB" for p in worker_peaks)
                                           or "not measured (needs Linux /proc)"))
    print("PDF sizes: " + ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()

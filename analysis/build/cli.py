"""Command line: python -m analysis {validate,panel,synth,compute,render,build}."""
from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path


from analysis.disclosure.rules import DisclosureError
from analysis.editions import DEFAULT_EDITION, EDITIONS, get_edition
from analysis.errors import DataError
from analysis.bundle.store import BundleError


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--edition", default=None, choices=sorted(EDITIONS),
                        help="which report's settings to use (default: the edition the data directory's "
                             f"extract.json names, else {DEFAULT_EDITION})")
    parser.add_argument("--data", type=Path, default=None,
                        help="data directory of the extract: registrations.*, and dream.* for an edition "
                             "with register data, the registration tool and surveys as data/README.md says "
                             "(default: the edition's bundled synthetic extract)")


def _edition(args):
    """The edition a command works on: --edition; without it, the edition the data
    directory's extract.json names (a bundled or synthetic extract says whose it is), else
    the default. Says so when it is taken from extract.json, and warns when --edition and
    extract.json disagree."""
    named = _named_edition(args.data) if getattr(args, "data", None) else None
    if args.edition is None:
        if named is not None:
            print(f"edition {named} (named by {Path(args.data) / 'extract.json'})", file=sys.stderr)
            return get_edition(named)
        return get_edition(DEFAULT_EDITION)
    if named is not None and named != args.edition:
        print(f"warning: {Path(args.data) / 'extract.json'} names edition {named}, but --edition is "
              f"{args.edition}", file=sys.stderr)
    return get_edition(args.edition)


def _named_edition(data: Path) -> str | None:
    """The edition an extract's extract.json names, if it names one of EDITIONS; None when
    there is no extract.json or it names none (a warning when it names an edition that does
    not exist). Raises DataError when extract.json is not a JSON object."""
    from analysis.register.extract import read_extract_info
    path = Path(data) / "extract.json"
    named = read_extract_info(Path(data)).get("edition")
    if named is not None and named not in EDITIONS:
        print(f"warning: {path} names edition {named!r}, which is not one of {', '.join(sorted(EDITIONS))}",
              file=sys.stderr)
        return None
    return named


def cmd_validate(args) -> int:
    from analysis.register.extract import load_extract
    from analysis.reference.scoring import load_mapping
    edition = _edition(args)
    data = args.data or edition.data_dir
    mapping = load_mapping()
    extract = load_extract(data, edition, mapping)
    from analysis.survey.waves import describe_survey, load_edition_survey
    survey = load_edition_survey(edition, Path(data), extract.registrations, outside=extract.outside_ids)
    print(f"OK: {data} passes the data contracts.")
    p = extract.population
    if p.selected:
        print(f"edition {p.edition}: {p.enrolled} enrolled on {len(p.teams_kept)} teams kept, "
              f"{p.enrolled_dropped} on {len(p.teams_dropped)} teams of other phases left out; "
              f"DREAM weeks to {p.last_week} (extract to {p.extract_last_week})")
    if survey is not None:
        print(f"surveys: {describe_survey(survey)}")
    from analysis.effect.pool import find_pool, read_pool
    pool_path = find_pool(Path(data))
    if pool_path is not None:
        pool = read_pool(pool_path, mapping, extract.persons["start_week"].unique())
        print(f"comparison pool {pool_path.name}: {pool.rows_in_file} persons, {len(pool.persons)} of them "
              "on an eligible benefit family in the week before a course start")
    print(extract.quality[["reason", "persons", "description"]].to_string(index=False))
    return 0


def cmd_panel(args) -> int:
    from analysis.register.panel import build_panel
    from analysis.register.extract import load_extract
    from analysis.reference.scoring import load_mapping
    edition = _edition(args)
    if not edition.register_data:
        raise DataError(Path(args.data or edition.data_dir),
                        f"edition {edition.name} has no register data: there is no person-week panel to write")
    mapping = load_mapping()
    extract = load_extract(args.data or edition.data_dir, edition, mapping)
    panel = build_panel(extract, mapping)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        panel.to_parquet(out, index=False)
    elif out.suffix == ".csv":
        panel.to_csv(out, index=False)
    else:
        raise SystemExit(f"--out must end in .csv or .parquet, not {out.name!r}")
    print(f"wrote {len(panel):,} person-weeks of {panel['pnr'].nunique()} persons to {out}")
    print("NOTE: the panel holds person ids (microdata); never export it from the research machine.")
    return 0


SYNTH_SEEDS = {"final-2025": 2025, "pilot-2024": 2024, "pilot-2023": 2023}   # the seeds of the bundled extracts


def cmd_synth(args) -> int:
    if args.edition == "pilot-2024":
        from analysis.synthetic.pilot import generate
    elif args.edition == "pilot-2023":
        from analysis.synthetic.pilot2023 import generate
    else:
        from analysis.synthetic.final import generate
    edition = get_edition(args.edition)
    out = args.out or edition.data_dir
    seed = args.seed if args.seed is not None else SYNTH_SEEDS[edition.name]
    start = time.perf_counter()
    fit = generate(Path(out), seed=seed)
    print(f"wrote synthetic extract of {edition.name} (seed {seed}) to {out} in {time.perf_counter() - start:.1f} s")
    if edition.name in ("pilot-2024", "pilot-2023"):
        return 0
    for key, value in fit["weekly_fit"].items():
        target = fit["weekly_targets"][key]
        print(f"  weekly model {key}: {value:.4f} (published {target:.2f}, distance {value - target:+.4f})")
    return 0


def _stop_on_sigterm() -> None:
    """SIGTERM ends a build like Ctrl-C: workers, kernels and LaTeX are stopped and the
    last good outputs stay in place. SIGINT is set to raise KeyboardInterrupt too: a
    process that a non-interactive shell starts in the background inherits SIGINT ignored
    (bash does that to asynchronous commands when job control is off), and Python then
    installs no handler of its own, so an explicit SIGINT would be lost."""
    def handler(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def cmd_compute(args) -> int:
    from analysis.build.driver import compute
    _stop_on_sigterm()
    out = compute(_edition(args), data=args.data, out=args.out, min_cell=args.min_cell,
                  inference=args.inference, force=args.force)
    print(f"statistics bundle: {out}")
    return 0


def cmd_render(args) -> int:
    from analysis.build.driver import BuildError, render
    _stop_on_sigterm()
    try:
        return render(get_edition(args.edition), args.bundle, args.out, force=args.force, pdf=not args.no_pdf,
                      entries=args.chapters, workers=args.workers)
    except BuildError as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1


def cmd_build(args) -> int:
    from analysis.build.driver import BuildError, build
    _stop_on_sigterm()
    try:
        return build(_edition(args), data=args.data, force=args.force, pdf=not args.no_pdf,
                     out=args.out, min_cell=args.min_cell, inference=args.inference, bundle=args.bundle,
                     workers=args.workers)
    except BuildError as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1


def _min_cell(text: str) -> int:
    from analysis.compute.stage import MIN_CELL_FLOOR
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < MIN_CELL_FLOOR:
        raise argparse.ArgumentTypeError(f"{value}: must be {MIN_CELL_FLOOR} or more (Statistics Denmark's "
                                         "minimum of persons per published cell)")
    return value


def _compute_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--min-cell", type=_min_cell, default=None,
                   help="minimum persons per published cell (default: the edition's, 3)")
    p.add_argument("--inference", choices=["team", "person", "iid"], default=None,
                   help="the book's inference: clustered by team with t(G-1) and the wild cluster "
                        "bootstrap (default), clustered by person (normal p), or classical OLS")


def _render_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-pdf", action="store_true", help="build the HTML site only")
    p.add_argument("--workers", type=int, default=None, help="chapter kernels in parallel (default: CPUs)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check an extract against the data contracts")
    _common(p)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("panel", help="write the person-week panel of scores (microdata: never export)")
    _common(p)
    p.add_argument("--out", required=True, help="output file (.parquet or .csv)")
    p.set_defaults(func=cmd_panel)
    p = sub.add_parser("synth", help="(re)generate an edition's bundled synthetic extract")
    p.add_argument("--edition", default=DEFAULT_EDITION, choices=sorted(EDITIONS),
                   help="whose extract (default: %(default)s)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default: the bundled one)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the bundled one's)")
    p.set_defaults(func=cmd_synth)
    p = sub.add_parser("compute", help="compute the statistics bundle from an extract (the only step "
                                       "that reads microdata)")
    _common(p)
    p.add_argument("--out", type=Path, default=None, help="bundle directory (default: _build/<edition>/bundle)")
    p.add_argument("--force", action="store_true", help="compute even if the inputs are unchanged")
    _compute_options(p)
    p.set_defaults(func=cmd_compute)
    p = sub.add_parser("render", help="build the book (HTML and PDF) from a statistics bundle alone")
    p.add_argument("--edition", default=DEFAULT_EDITION, choices=sorted(EDITIONS),
                   help="which report (default: %(default)s)")
    p.add_argument("--bundle", type=Path, default=None, help="bundle directory (default: _build/<edition>/bundle)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default: _build/<edition>)")
    p.add_argument("--force", action="store_true", help="re-execute every chapter")
    p.add_argument("--chapters", nargs="+", default=None, metavar="ENTRY",
                   help="render only these table-of-contents entries (e.g. chapters/undergrupper); "
                        "for working on a chapter")
    _render_options(p)
    p.set_defaults(func=cmd_render)
    p = sub.add_parser("build", help="compute and render an edition of the report")
    _common(p)
    p.add_argument("--bundle", type=Path, default=None,
                   help="render this (exported) bundle instead of computing one: no extract needed")
    p.add_argument("--out", type=Path, default=None, help="output directory (default: _build/<edition>)")
    p.add_argument("--force", action="store_true", help="compute the bundle and re-execute every chapter")
    _compute_options(p)
    _render_options(p)
    p.set_defaults(func=cmd_build)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (DisclosureError, BundleError) as err:
        print(f"disclosure check failed: {err}" if isinstance(err, DisclosureError) else f"bundle: {err}",
              file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted: the last good outputs are unchanged", file=sys.stderr)
        return 130

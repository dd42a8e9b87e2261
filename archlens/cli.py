"""Command line: thin glue over the library. Every user error is one line on stderr, exit 2."""
from __future__ import annotations

import argparse
import sys
import warnings

from archlens.errors import ArchlensError, ProfileWarning

EXIT_USER_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archlens", description=(
        "Architecture specs -> runnable PyTorch models, profiled and explained exactly."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="list the bundled specs")
    p = sub.add_parser("profile", help="per-layer shapes, params, MACs, FLOPs, memory, receptive field")
    _spec_args(p)
    p.add_argument("--format", choices=["table", "json", "csv", "markdown"], default="table")
    p.add_argument("--dtype", default="float32", help="activation dtype (float32, float16, bfloat16, float64)")
    p.add_argument("--batch", type=_positive, default=1, metavar="N",
                   help="batch size of the memory figures (inference peak, saved, training)")
    p.add_argument("--proposals", metavar="N", nargs="?", type=int, const=-1, default=None,
                   help="detection specs: per-image stages for N proposals (alone: the spec's, 2000)")
    v = sub.add_parser("verify", help="prove the analysis against torch, torchinfo and fvcore")
    _spec_args(v)
    v.add_argument("--no-peers", action="store_true", help="skip torchinfo and fvcore")
    _worksheet_parsers(sub)
    d = sub.add_parser("detect", help="run a detection spec (R-CNN, SPPNet) on an image, draw the boxes")
    d.add_argument("spec", metavar="SPEC", help="a detection spec, e.g. sppnet_zf5")
    d.add_argument("image", metavar="IMAGE", help="an image file (PNG, JPEG, ...)")
    d.add_argument("--proposals", metavar="N", type=int, help="proposal cap (default: the spec's)")
    d.add_argument("--out", metavar="PNG", help="write the image with the boxes drawn (never onto IMAGE)")
    d.add_argument("--force", action="store_true", help="replace an existing --out file")
    d.add_argument("--weights", metavar="CKPT", help="trained weights (default: freshly initialised)")
    d.add_argument("--score-threshold", metavar="T", type=float, default=0.0,
                   help="keep detections whose SVM score exceeds T (default 0)")
    c = sub.add_parser("convolutionalize", help="dense layers -> convolutions (FCN, Long et al. 2015)")
    c.add_argument("spec", metavar="SPEC", help="bundled spec name or a YAML path (a classifier)")
    c.add_argument("--weights", metavar="IN.pt", help="the classifier's state_dict to reshape")
    c.add_argument("--out-spec", metavar="OUT.yaml", help="write the spec here (default: stdout)")
    c.add_argument("--out-weights", metavar="OUT.pt", help="write the reshaped state_dict here")
    c.add_argument("--force", action="store_true", help="replace existing --out-spec/--out-weights files")
    _site_parser(sub)
    _train_parser(sub)
    _import_parser(sub)
    return parser


def _import_parser(sub) -> None:
    i = sub.add_parser("import", help="trace a PyTorch model (torch.fx) into a spec")
    i.add_argument("target", metavar="TARGET", help="path/to/file.py:callable or "
                   "package.module:callable (no arguments, returns an nn.Module)")
    i.add_argument("--input", metavar="CxHxW", help="input size to trace at (default 3x224x224)")
    i.add_argument("--out", metavar="FILE.yaml", help="write the spec here (default: stdout)")
    i.add_argument("--name", help="the spec's name (default: the callable's)")
    i.add_argument("--force", action="store_true", help="replace an existing --out file")
    i.add_argument("--allow-unknown", action="store_true", help="import ops that have no kind "
                   "as opaque layers (shape from the trace, MACs unknown) instead of failing")


def _site_parser(sub) -> None:
    s = sub.add_parser("site", help="generate the documentation site's pages (and build it)")
    s.add_argument("specs", nargs="*", metavar="SPEC",
                   help="spec files, folders of them, or bundled names (default: all bundled)")
    s.add_argument("--out", default=None, metavar="DIR", help="build a complete static site into "
                   "DIR (no mkdocs.yml needed; DIR is replaced only by a finished build)")
    s.add_argument("--with-bundled", action="store_true",
                   help="document the bundled specs beside the ones given")
    s.add_argument("--title", default="archlens", help="the site's name (with --out)")
    s.add_argument("--docs", default=None, help="without --out: the docs folder to write the pages "
                   "into (default: docs/ in the current folder)")
    s.add_argument("--no-train", action="store_true",
                   help="run no training (cached or recorded results are still shown)")
    s.add_argument("--no-crosscheck", action="store_true", help="run no new torch/torchinfo/fvcore cross-check (cached ones are still shown)")
    s.add_argument("--cache", default=None, help="cache of cross-checks and training runs "
                   "(default: build/site-cache)")
    s.add_argument("--build", action="store_true", help="without --out: then run mkdocs build "
                   "--strict with ./mkdocs.yml")
    s.add_argument("--force", action="store_true", help="replace or delete files in DOCS/index.md and "
                   "DOCS/generated/ that archlens site did not write (or that were edited since)")


def _train_parser(sub) -> None:
    t = sub.add_parser("train", help="train a spec on synthetic or your data (metrics, curves, checkpoints)")
    t.add_argument("spec", metavar="SPEC", help="bundled spec name (see `archlens list`) or a YAML path")
    t.add_argument("--quick", action="store_true",
                   help="the spec's quick recipe: thin, small-input variant on synthetic data")
    t.add_argument("--out", metavar="DIR", help="run folder (default runs/SPEC)")
    t.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    t.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    t.add_argument("--force", action="store_true", help="replace a previous run in DIR")
    t.add_argument("--folds", type=int, metavar="K", help="k-fold cross-validation (mean ± std)")
    t.add_argument("--data", metavar="DIR", help="your dataset: a Pascal VOC root or class folders")
    t.add_argument("--set", action="append", metavar="KEY=VALUE", dest="overrides",
                   help="override a recipe key, e.g. --set optimizer.lr=0.01 (repeatable)")
    t.add_argument("--epochs", type=int, help="shorthand for --set epochs=N")
    t.add_argument("--batch-size", type=int, help="shorthand for --set batch_size=N")
    t.add_argument("--no-progress", action="store_true", help="no progress bars")


def _worksheet_parsers(sub) -> None:
    w = sub.add_parser("worksheet", help="hand-calculation worksheet (formula, working, blanks)")
    _spec_args(w)
    w.add_argument("--answers", action="store_true", help="fill in every result")
    w.add_argument("--format", choices=["markdown", "html", "pdf"], default="markdown",
                   help="pdf: A4 through headless Chromium (playwright), written to stdout")
    w.add_argument("--fields", default="shape,params,macs,rf",
                   help="comma-separated subset of shape,params,macs,rf")
    w.add_argument("--template", metavar="FILE", help="write an answers file to fill (YAML)")
    w.add_argument("--force", action="store_true", help="overwrite the --template file")
    w.add_argument("--seed", metavar="N", type=int,
                   help="a variant: random valid input size and channel widths drawn from seed N")
    w.add_argument("--exercise", action="store_true",
                   help="no working, no results, a hashed answer key (a sheet to hand out)")
    c = sub.add_parser("check", help="mark an answers file (YAML or CSV), naming known mistakes")
    _spec_args(c)
    c.add_argument("answers", metavar="ANSWERS", help="answers file (.yaml or .csv)")
    c.add_argument("--seed", metavar="N", type=int, help="check against worksheet --seed N's variant")
    c.add_argument("--convention", choices=["default", "no-bias"], default="default",
                   help="no-bias: accept weight-only parameter counts (CS231n's VGG table)")


def _spec_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="bundled spec name (see `archlens list`), a YAML "
                   "path, or a TARGET (file.py:callable, package.module:callable) to import")
    p.add_argument("--input", metavar="CxHxW", help="input size, e.g. 3x512x512 (default: the spec's)")
    p.add_argument("--allow-unknown", action="store_true", help="a TARGET: import ops that have "
                   "no kind as opaque layers (MACs unknown) instead of failing")


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a batch size)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got '{text}'")
    return int(text)


def _input(args):
    from archlens.spec.load import parse_shape
    return parse_shape(args.input) if args.input else None


def _spec(args):
    """(spec, input) for the commands that take SPEC: a TARGET is imported in memory at
    --input (then the spec is already at that size); a name or YAML path loads no torch."""
    from archlens.importers.target import is_target
    if not is_target(args.spec):
        return args.spec, _input(args)
    from archlens.importers.api import import_target
    return import_target(args.spec, _input(args), allow_unknown=args.allow_unknown), None


def cmd_list(args) -> int:
    from archlens.core.profile import profile
    from archlens.render import units
    from archlens.spec.load import bundled_specs
    for name in bundled_specs():
        p = profile(name)
        print(f"{name:<18} {p.spec.task:<15} input {units.shape(p.input):<11} "
              f"params {units.count(p.totals.params):>13}  MACs {units.count(p.totals.macs):>15}  "
              f"{p.spec.title}")
    print("params: weights + biases, trainable and frozen; MACs: multiply-accumulates of conv and "
          "linear layers for one input of the size shown (detection specs: the per-region network; "
          "see `archlens profile SPEC --proposals N` for a whole image)")
    return 0


def cmd_profile(args) -> int:
    if args.proposals is not None:
        return _profile_stages(args)
    from archlens.core.gcpause import no_cycle_collection
    from archlens.core.profile import profile
    from archlens.render.formats import FORMATS
    with no_cycle_collection():   # the rendering too builds a row per layer (gcpause.py)
        spec, shape = _spec(args)
        print(FORMATS[args.format](profile(spec, shape, dtype=args.dtype), batch=args.batch))
    return 0


def _profile_stages(args) -> int:
    from archlens.detection.profile_stages import profile_stages
    from archlens.render.stages import FORMATS
    shape = _input(args)
    n = None if args.proposals == -1 else args.proposals
    stages = profile_stages(args.spec, n, shape[1:] if shape else None, dtype=args.dtype)
    print(FORMATS[args.format](stages))
    return 0


def cmd_detect(args) -> int:
    from archlens.detection.detect import check_out, detect, draw, format_result
    if args.out:   # before the work: never onto an input, an existing file only with --force
        check_out(args.out, args.spec, args.image, args.weights, args.force)
    result = detect(args.spec, args.image, args.proposals, args.weights, args.score_threshold)
    drawn = draw(args.image, result.detections, args.out) if args.out else None
    print(format_result(result, args.spec))
    if drawn:
        print(f"boxes drawn to {drawn}")
    return 0


def cmd_verify(args) -> int:
    from archlens.render.verify_report import to_text
    from archlens.verification.oracle import verify
    report = verify(*_spec(args), peers=not args.no_peers)
    print(to_text(report))
    return 0 if report.ok else 1


def cmd_worksheet(args) -> int:
    from archlens.teach.answers import write_template
    from archlens.render.worksheet_pages import worksheet_html, worksheet_markdown
    from archlens.teach.worksheet import parse_fields
    fields = parse_fields(args.fields)
    spec, shape = _spec(args)
    p = _sheet_profile(args, spec, shape)
    if args.template:
        from archlens.spec.load import resolve_path
        inputs = [resolve_path(spec)] if isinstance(spec, str) else []
        written = write_template(p, args.template, force=args.force, inputs=inputs)
        print(f"wrote {written}", file=sys.stderr)
        return 0
    if args.exercise and args.answers:
        raise ArchlensError("--exercise and --answers exclude each other: an exercise sheet "
                            "holds no answers")
    if args.exercise:
        from archlens.render.exercise import exercise_html as worksheet_html  # noqa: F811
        from archlens.render.exercise import exercise_markdown as worksheet_markdown  # noqa: F811
    if args.format == "pdf":
        from archlens.render.print_view import write_pdf
        return write_pdf(worksheet_html(p, fields=fields, **({} if args.exercise else
                                                             {"answers": args.answers})))
    render = worksheet_html if args.format == "html" else worksheet_markdown
    kwargs = {} if args.exercise else {"answers": args.answers}
    sys.stdout.write(render(p, fields=fields, **kwargs))
    return 0


def _sheet_profile(args, spec=None, shape=None):
    """The profile a worksheet or check is about: the spec (imported, for a TARGET), at
    --input, or --seed's variant."""
    from archlens.core.profile import profile
    if spec is None:
        spec, shape = args.spec, _input(args)
    if args.seed is None:
        return profile(spec, shape)
    if args.input:
        raise ArchlensError("--seed draws the input size itself: give --seed or --input, not both")
    from archlens.teach.variants import seeded_profile
    return seeded_profile(spec, args.seed)


def cmd_check(args) -> int:
    from archlens.teach.answers import read_answers
    from archlens.teach.checker import check, to_text
    p = _sheet_profile(args)
    report = check(p, read_answers(args.answers, p), args.convention)
    print(to_text(report))
    return report.exit_code


def cmd_site(args) -> int:
    from pathlib import Path
    from archlens.site.build import CACHE, DOCS, build_html, generate_site
    from archlens.site.standalone import build_site, spec_refs
    cache = Path(args.cache) if args.cache else CACHE
    common = dict(train=not args.no_train, crosscheck=not args.no_crosscheck, log=print,
                  cache_dir=cache, force=args.force)
    if args.out:
        if not args.specs and not args.with_bundled:
            raise ArchlensError("archlens site --out: name the specs (files, folders or bundled "
                                "names), or pass --with-bundled")
        result = build_site(_imported(args.specs), Path(args.out), site_name=args.title,
                            with_bundled=args.with_bundled, **common)
        print(f"built the site of {result.pages} pages into {args.out} in {result.seconds:.1f} s: "
              f"open {Path(args.out) / 'index.html'}")
        return 0
    refs = spec_refs(_imported(args.specs), with_bundled=args.with_bundled) if args.specs else None
    docs = Path(args.docs) if args.docs else DOCS
    result = generate_site(refs, docs_dir=docs, **common)
    print(f"wrote {result.pages} pages under {docs} in {result.seconds:.1f} s")
    if args.build:
        build_html()
        print("built site/ (mkdocs build --strict)")
    return 0


def _imported(refs):
    """Site SPECs with every TARGET imported in memory (the rest stay names and paths)."""
    from archlens.importers.target import is_target
    if not any(is_target(r) for r in refs):
        return refs
    from archlens.importers.api import import_target
    return [import_target(r) if is_target(r) else r for r in refs]


def cmd_import(args) -> int:
    from archlens.importers.api import write_import
    text, spec = write_import(args.target, args.out, _input(args), args.name, args.force,
                              args.allow_unknown)
    if not args.out:
        sys.stdout.write(text)
        return 0
    from archlens.core.profile import profile
    from archlens.render.formats import at_least
    t = profile(spec).totals
    print(f"wrote {args.out}: {len(spec.layers)} layers, {t.params:,} params, "
          f"{at_least(t, t.macs)} MACs at {'x'.join(map(str, spec.input))}" +
          (f"; {len(t.uncounted)} opaque layer(s): {', '.join(t.uncounted)}" if t.uncounted else ""),
          file=sys.stderr)
    return 0


def cmd_train(args) -> int:
    from pathlib import Path

    from archlens.train import TrainOptions, parse_overrides, summary_text, train
    from archlens.train.loop import interrupted_message
    overrides = parse_overrides(args.overrides)
    for key, value in (("epochs", args.epochs), ("batch_size", args.batch_size)):
        if value is not None:
            overrides[key] = value
    out = Path(args.out) if args.out else None
    options = TrainOptions(quick=args.quick, out=out, device=args.device, resume=args.resume,
                           force=args.force, folds=args.folds,
                           data=Path(args.data) if args.data else None, overrides=overrides,
                           progress=sys.stderr.isatty() and not args.no_progress)
    try:
        result = train(args.spec, options)
    except KeyboardInterrupt:
        print(f"archlens: {interrupted_message(out or Path('runs') / Path(args.spec).stem)}",
              file=sys.stderr)
        return 130
    if result.main:   # under torchrun every process returns the same result
        print(summary_text(result))
    return 0


def cmd_convolutionalize(args) -> int:
    from archlens.transforms.convolutionalize import run_command
    text = run_command(args.spec, args.weights, args.out_spec, args.out_weights, args.force)
    if text:
        print(text, end="")
    return 0


COMMANDS = {"list": cmd_list, "profile": cmd_profile, "verify": cmd_verify,
            "worksheet": cmd_worksheet, "check": cmd_check,
            "detect": cmd_detect, "convolutionalize": cmd_convolutionalize, "site": cmd_site,
            "train": cmd_train, "import": cmd_import}


def _one_line_warnings() -> None:
    """A ProfileWarning (a merge of misaligned inputs) as one line on stderr, 'archlens:
    warning: ...'; other warnings as Python shows them."""
    default, shown = warnings.showwarning, set()

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ProfileWarning):
            if str(message) not in shown:   # verify profiles a spec several times
                shown.add(str(message))
                print(f"archlens: warning: {message}", file=sys.stderr)
        else:
            default(message, category, filename, lineno, file, line)
    warnings.showwarning = show


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _one_line_warnings()
    try:
        return COMMANDS[args.command](args)
    except ArchlensError as exc:
        if exc.echo:
            print(f"archlens: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("archlens: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

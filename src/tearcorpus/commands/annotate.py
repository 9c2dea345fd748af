"""``tearcorpus annotate export``, ``tearcorpus annotate import`` and ``tearcorpus agree``:
the annotation round trip (see docs/annotation.md)::

    tearcorpus annotate export INPUT... --tool {label-studio,doccano,csv} -o OUTDIR --labels A,B,...
    tearcorpus annotate import EXPORT... --tasks OUTDIR -o LABELS_DIR
    tearcorpus agree LABELS_DIR [--json]
"""

from __future__ import annotations

import argparse
import os
import sys

from ._options import (
    EXIT_OK,
    Subparsers,
    add_input_args,
    add_transform_args,
    print_json,
    read_keywords,
    transform_steps,
)

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    """Add ``annotate`` (with ``export`` and ``import``) and ``agree`` to *subparsers*."""
    from ..annotate.labels import IMPORT_TOOLS
    from ..annotate.tasks import TOOLS

    annotate = subparsers.add_parser(
        "annotate", help="send replies to an annotation tool and bring the labels back"
    )
    steps = annotate.add_subparsers(dest="annotate_command", metavar="STEP", required=True)

    export = steps.add_parser(
        "export", help="sample replies by thread and write tasks for an annotation tool"
    )
    add_input_args(export, inputs="dumps, or a converted corpus")
    export.add_argument("--tool", required=True, choices=TOOLS, help="the annotation tool")
    export.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    export.add_argument(
        "--labels", required=True, metavar="A,B,...", help="the label set, comma-separated"
    )
    export.add_argument(
        "--multi", action="store_true", help="raters may choose several labels of a reply"
    )
    export.add_argument(
        "--ordered",
        action="store_true",
        help="the labels are an ordered scale, in the order given (ordinal agreement)",
    )
    export.add_argument(
        "--sample", type=int, metavar="N", help="N replies, sampled by thread (default: all)"
    )
    export.add_argument("--seed", type=int, default=0, help="seed of the sample (default: 0)")
    export.add_argument(
        "--stratify",
        choices=("post",),
        help="spread the sample evenly over the threads (posts)",
    )
    export.add_argument(
        "--context",
        default="post,parent",
        metavar="post,parent",
        help="context shown with each reply: post (title), parent (the text it answers), "
        "both (default) or none",
    )
    export.add_argument(
        "--overwrite", action="store_true", help="replace the files of an earlier export"
    )
    export.add_argument("--json", action="store_true", help="print the result as JSON")
    add_transform_args(export)
    export.set_defaults(handler=_cmd_export)

    imports = steps.add_parser(
        "import", help="read an annotation tool's export back into a labels folder"
    )
    imports.add_argument(
        "exports",
        nargs="+",
        metavar="EXPORT",
        help="Label Studio JSON, doccano JSONL (or its zip), or filled task sheets",
    )
    imports.add_argument(
        "--tasks", required=True, metavar="OUTDIR", help="the folder of annotate export"
    )
    imports.add_argument("-o", "--output", required=True, metavar="LABELS_DIR")
    imports.add_argument(
        "--tool", choices=IMPORT_TOOLS, default="auto", help="the exports' tool (default: auto)"
    )
    imports.add_argument(
        "--label-map",
        metavar="FILE",
        help="doccano's label export, for doccano versions that give label ids",
    )
    imports.add_argument(
        "--overwrite", action="store_true", help="replace the files of an earlier import"
    )
    imports.add_argument("--json", action="store_true", help="print the result as JSON")
    imports.set_defaults(handler=_cmd_import)

    agree = subparsers.add_parser(
        "agree", help="agreement of the raters of a labels folder (Krippendorff's alpha, ...)"
    )
    agree.add_argument("labels", metavar="LABELS_DIR", help="the folder of annotate import")
    agree.add_argument("--json", action="store_true", help="print one JSON object")
    agree.add_argument(
        "--plot",
        metavar="FILE.png",
        help="the heatmap of rater pairs (default: LABELS_DIR/agreement.png, written when "
        "matplotlib is installed)",
    )
    agree.add_argument("--no-plot", action="store_true", help="write no heatmap")
    agree.add_argument(
        "--samples", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)"
    )
    agree.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    agree.set_defaults(handler=_cmd_agree)


def _cmd_export(args: argparse.Namespace) -> int:
    from ..annotate import export_tasks
    from ..errors import TearcorpusError

    context = tuple(c.strip() for c in args.context.split(",") if c.strip())
    if context == ("none",):
        context = ()
    labels = tuple(label.strip() for label in args.labels.split(","))
    if any(not label for label in labels):
        raise TearcorpusError(f"--labels: an empty label in {args.labels!r}")
    if args.write_dropped:
        raise TearcorpusError("--write-dropped is an option of convert, not of annotate export")
    result = export_tasks(
        args.inputs,
        args.output,
        tool=args.tool,
        labels=labels,
        multi=args.multi,
        ordered=args.ordered,
        sample=args.sample,
        seed=args.seed,
        stratify=args.stratify,
        context=context,
        transforms=transform_steps(args),
        overwrite=args.overwrite,
        **read_keywords(args),
        root=args.root,
    )
    report = result.report
    if args.json:
        print_json(
            {
                "output": result.outdir,
                "tool": result.tool,
                "files": result.files,
                "items": result.items,
                "threads": result.threads,
                "eligible": result.eligible,
                "skipped": result.skipped,
                "read": report.read,
                "rejected": report.rejected,
                "dropped": report.dropped,
            }
        )
        return EXIT_OK
    print(
        f"wrote {result.items} tasks from {result.threads} thread(s) for {result.tool} "
        f"({result.eligible} replies eligible, {result.skipped} without text or deleted; "
        f"read {report.read} records, rejected {report.rejected}, dropped "
        f"{report.dropped})"
    )
    for path in result.files:
        print(f"  {path}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from ..annotate import import_labels

    result = import_labels(
        args.exports,
        tasks=args.tasks,
        out=args.output,
        tool=args.tool,
        label_map=args.label_map,
        overwrite=args.overwrite,
    )
    if args.json:
        print_json(result.to_dict())
        return EXIT_OK
    print(
        f"read {result.annotations} annotations from {len(result.sources)} export(s): "
        f"took {result.taken} from {len(result.raters)} rater(s), cancelled "
        f"{result.cancelled}, empty {result.empty}, superseded {result.superseded}"
    )
    print(
        f"  items {result.items}: labelled {result.labelled}, unlabelled {result.unlabelled}, "
        f"ties {result.ties}"
    )
    for path in result.files:
        print(f"  {path}")
    return EXIT_OK


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _cmd_agree(args: argparse.Namespace) -> int:
    import importlib.util

    from ..annotate import agreement

    plot: str | None = None
    if not args.no_plot:
        if args.plot is not None:
            plot = args.plot
        elif importlib.util.find_spec("matplotlib") is not None:
            plot = os.path.join(args.labels, "agreement.png")
        else:
            print(
                "tearcorpus: note: no heatmap: pip install 'tearcorpus[annotate]' for matplotlib",
                file=sys.stderr,
            )
    result = agreement(args.labels, samples=args.samples, seed=args.seed, heatmap=plot)
    if args.json:
        print_json(result.to_dict())
        return EXIT_OK
    data = result.to_dict()
    print(
        f"items {data['items']}  raters {data['raters']}  ratings {data['ratings']}  "
        f"pairable units {data['pairable_units']}  ties {data['ties']}"
    )
    line = f"Krippendorff's alpha: nominal {_fmt(result.krippendorff_alpha)}"
    if result.scheme.ordered:
        line += f", ordinal {_fmt(result.krippendorff_alpha_ordinal)}"
    if result.alpha_ci is not None:
        line += (
            f"  (95% CI {_fmt(result.alpha_ci[0])} .. {_fmt(result.alpha_ci[1])}, "
            f"{result.bootstrap_samples} resamples)"
        )
    print(line)
    print(
        f"Fleiss' kappa: {_fmt(result.fleiss_kappa)}"
        + ("" if result.raters_per_item else "  (raters per item differ)")
    )
    for a, b, units, kappa in result.cohen_kappa:
        print(f"  Cohen's kappa {a} / {b}: {_fmt(kappa)}  ({units} units)")
    print("per label:")
    for label, figures in result.per_label.items():
        print(
            f"  {label}: ratings {figures['ratings']}, majority items {figures['items']}, "
            f"alpha {_fmt(figures['krippendorff_alpha'])}"
        )
    print("per rater:")
    for rater, own in result.per_rater.items():
        print(
            f"  {rater}: items {own['items']}, agrees with the others' majority "
            f"{_fmt(own['agreement_with_others'])}, mean Cohen's kappa "
            f"{_fmt(own['mean_cohen_kappa'])}"
        )
    if result.heatmap:
        print(f"heatmap: {result.heatmap}")
    return EXIT_OK

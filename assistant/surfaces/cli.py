"""Command line: a thin layer over the library (``policy-assistant ingest | remove | ask | serve | eval``)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from assistant.settings import SettingsError, get_settings

SETTINGS_ERROR_STATUS = 2   # like argparse's usage errors: the command cannot run as configured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policy-assistant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    ingest_cmd = commands.add_parser(
        "ingest", help="add or update documents (default: re-ingest the configured corpus folder)",
        description="Add or update the documents under PATH… in the index; other indexed documents stay. "
                    "Without PATH, the configured corpus folder is re-ingested.")
    ingest_cmd.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    ingest_cmd.add_argument("--replace", action="store_true",
                            help="make PATH… the whole corpus: every other document is removed")
    ingest_cmd.add_argument("--rebuild", action="store_true", help="re-embed everything from scratch")
    ingest_cmd.add_argument("--no-wait", action="store_true",
                            help="fail at once if another ingest is writing the index (default: wait for it)")
    ingest_cmd.set_defaults(run=run_ingest)

    remove_cmd = commands.add_parser("remove", help="remove documents from the index by file name")
    remove_cmd.add_argument("sources", nargs="+", metavar="SOURCE")
    remove_cmd.set_defaults(run=run_remove)

    ask_cmd = commands.add_parser("ask", help="answer one question")
    ask_cmd.add_argument("question")
    ask_cmd.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask_cmd.add_argument("--markdown", action="store_true", help="print the answer as Markdown (default: plain text)")
    ask_cmd.add_argument("--doc", action="append", default=[], help="restrict to a document (file name or id); repeatable")
    ask_cmd.add_argument("--cold", action="store_true",
                         help="answer in this process even when an answer server (policy-assistant answer-server) is running")
    ask_cmd.set_defaults(run=run_ask)

    warm_cmd = commands.add_parser(
        "answer-server", help="keep the index and model open so that each `ask` answers in a fraction of a second",
        description="Answer `policy-assistant ask` from this process through a socket in the data folder "
                    "(only its owner can use it). Stop with Ctrl-C.")
    warm_cmd.set_defaults(run=run_answer_server)

    serve_cmd = commands.add_parser("serve", help="start the chat UI")
    serve_cmd.add_argument("--host")
    serve_cmd.add_argument("--port", type=int)
    serve_cmd.add_argument("--insecure", action="store_true",
                           help="allow serving beyond this machine (--host other than loopback) without a login")
    serve_cmd.set_defaults(run=run_serve)

    eval_cmd = commands.add_parser("eval", help="run an evaluation set through answer()")
    eval_cmd.add_argument("--qa", type=Path, action="append", default=None,
                          help="a QA file to run as its own set (repeatable); default: evals/dev.jsonl and evals/heldout/*")
    eval_cmd.add_argument("--k", type=int, default=5)
    eval_cmd.add_argument("--dump", type=Path)
    eval_cmd.add_argument("--report", type=Path)
    eval_cmd.add_argument("--thresholds", type=Path, help="fail (exit 1) when a metric is below these")
    eval_cmd.add_argument("--no-baseline", action="store_true", help="skip the tutorial-setup baseline row")
    eval_cmd.add_argument("--from-feedback", type=Path, metavar="FEEDBACK_JSONL",
                          help="instead of evaluating, turn UI feedback into candidate QA items (written to --out)")
    eval_cmd.add_argument("--out", type=Path, help="with --from-feedback: where the candidate items go")
    eval_cmd.set_defaults(run=run_eval)

    args = parser.parse_args(argv)
    # Everything this process creates (index, feedback, exports, temporary files) is private to its user.
    os.umask(0o077)
    try:
        return args.run(args)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return SETTINGS_ERROR_STATUS
    except KeyboardInterrupt:
        print("Interrupted; the previous index is unchanged.", file=sys.stderr)
        return 130


def run_ingest(args) -> int:
    from assistant.index import IndexUnavailable
    from ingest.load import LoadError
    from ingest.pipeline import IngestError, ingest, problem_line

    if args.replace and not args.paths:
        print("error: --replace needs the PATH… that become the whole corpus", file=sys.stderr)
        return 2

    def announce(summary) -> None:
        if args.replace:
            print(summary.removal_notice(), flush=True)

    settings = get_settings()
    try:
        summary = ingest(settings, args.paths or None, rebuild=args.rebuild, progress=sys.stderr.isatty(),
                         replace=args.replace, announce=announce, wait=not args.no_wait,
                         on_wait=lambda message: print(message, file=sys.stderr, flush=True))
    except (IngestError, LoadError, IndexUnavailable) as error:
        for problem in getattr(error, "problems", []):
            print(problem_line(problem), file=sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(summary.describe())
    return 0


def run_remove(args) -> int:
    from assistant.index import IndexUnavailable
    from ingest.pipeline import IngestError, remove_documents

    try:
        summary = remove_documents(get_settings(), args.sources)
    except (IngestError, IndexUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(summary.removal_notice())
    print(summary.describe())
    return 0


def run_ask(args) -> int:
    settings = get_settings()
    output = "json" if args.json else "markdown" if args.markdown else "plain"
    if not args.cold:
        from assistant.surfaces.answer_socket import ask_through_socket

        reply = ask_through_socket(settings.home, {"question": args.question, "doc": args.doc, "format": output})
        if reply is not None:
            sys.stdout.write(reply.get("stdout", ""))
            sys.stderr.write(reply.get("stderr", ""))
            return int(reply["status"])
    from assistant.engine import get_assistant
    from assistant.index import IndexUnavailable

    try:
        assistant = get_assistant(settings)
    except IndexUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return ask_with(assistant, args.question, args.doc, output, sys.stdout, sys.stderr)


def ask_with(assistant, question: str, docs: list[str], output: str, out, err) -> int:
    """Answer one question with an opened assistant and print it: the body of ``ask``, shared
    by the cold path and the answer server."""
    from assistant.present import answer_as_plain_text

    if unknown := unknown_documents(docs, assistant.index.documents):
        print(f"error: no indexed document {', '.join(unknown)}. Available documents:", file=err)
        for source, info in assistant.index.documents.items():
            print(f"  {source}  ({info.doc_id})  {info.title}", file=err)
        return 2
    result = assistant.answer(question, filters={"documents": docs} if docs else None)
    if output == "json":
        print(json.dumps(result.to_dump(), ensure_ascii=False), file=out)
    elif output == "markdown":
        from assistant.present import answer_with_sources

        print(answer_with_sources(result), file=out)
    else:
        print(answer_as_plain_text(result), file=out)
    return 0


def run_answer_server(args) -> int:
    # One thread per question answers faster on a busy machine than OpenMP threads (see run_serve).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from assistant.engine import get_assistant
    from assistant.index import IndexUnavailable
    from assistant.surfaces.answer_socket import AnswerServer, ask_through_socket

    settings = get_settings()
    if ask_through_socket(settings.home, {"ping": True}) is not None:
        print(f"error: an answer server already runs for {settings.home}", file=sys.stderr)
        return 1
    try:
        assistant = get_assistant(settings)
    except IndexUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    server = AnswerServer(settings.home, assistant, ask_with)
    print(f"Answering `policy-assistant ask` through {server.path} (Ctrl-C stops).", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def unknown_documents(wanted: list[str], documents: dict) -> list[str]:
    """The --doc values that name no indexed document (by file name or document id)."""
    known = set(documents) | {info.doc_id for info in documents.values()}
    return [name for name in wanted if name not in known]


def run_serve(args) -> int:
    # Answering embeds one short question at a time: one thread per request answers faster
    # on a busy machine than OpenMP threads fighting over the same cores (measured p95 96 ms
    # vs 3.4 s, docs/benchmarks.md). Must be set before the model's engine loads.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from assistant.access import ServeRefused, check_serving

    settings = get_settings()
    try:
        check_serving(settings, args.host or settings.server_host, args.insecure)   # before the slow UI import
        from assistant.surfaces.ui import serve

        serve(settings, host=args.host, port=args.port, insecure=args.insecure)
    except ServeRefused as error:
        print(f"error: {error}", file=sys.stderr)
        return SETTINGS_ERROR_STATUS
    return 0


def run_eval(args) -> int:
    from assistant.eval_cli import feedback_to_candidates, run_cli

    if args.from_feedback:
        out = args.out or Path("feedback-candidates.jsonl")
        count = feedback_to_candidates(args.from_feedback, out)
        print(f"Wrote {count} candidate items to {out} (marked needs_review; edit, then add to your QA file).")
        return 0
    return run_cli(args, get_settings())


if __name__ == "__main__":
    sys.exit(main())

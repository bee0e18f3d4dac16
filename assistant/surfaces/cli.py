"""Command line: a thin layer over the library (``policy-assistant ingest | remove | ask | serve | eval``)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from assistant.document_names import resolve_documents
from assistant.settings import SettingsError, get_settings

# Exit codes, the same for every command (and listed in --help):
OK, FAILED, USAGE_ERROR = 0, 1, 2
SETTINGS_ERROR_STATUS = USAGE_ERROR   # like argparse's usage errors: the command cannot run as configured
EXIT_CODES = """exit codes:
  0  done
  1  the command ran but failed (unreadable documents, no index, a full or read-only disk, index busy)
  2  usage error: bad arguments or settings, an unknown --doc or SOURCE, serving refused
  130 interrupted (Ctrl-C); the previous index is unchanged"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policy-assistant", description=__doc__, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
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

    remove_cmd = commands.add_parser("remove", help="remove documents from the index by file name",
                                     epilog="A SOURCE that is not in the index is a usage error (exit 2).")
    remove_cmd.add_argument("sources", nargs="+", metavar="SOURCE")
    remove_cmd.set_defaults(run=run_remove)

    ask_cmd = commands.add_parser("ask", help="answer one question",
                                  epilog="A --doc that names no indexed document is a usage error (exit 2).")
    ask_cmd.add_argument("question")
    ask_cmd.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask_cmd.add_argument("--markdown", action="store_true", help="print the answer as Markdown (default: plain text)")
    ask_cmd.add_argument("--doc", action="append", default=[], help="restrict to a document (file name, document id or title); repeatable",
                         metavar="DOC")
    ask_cmd.add_argument("--cold", action="store_true",
                         help="answer in this process even when an answer server (policy-assistant answer-server) is running")
    ask_cmd.set_defaults(run=run_ask)

    brief_cmd = commands.add_parser(
        "brief", help="write a topic briefing (agencies, targets, measures, status) across the documents",
        description="Build a briefing on TOPIC across every indexed document (or --docs): per jurisdiction and "
                    "document the lead and participating agencies, targets, quoted measures and status, every fact "
                    "cited. The topic is matched by meaning.")
    brief_cmd.add_argument("topic", metavar="TOPIC")
    brief_cmd.add_argument("--docs", nargs="+", default=None, metavar="DOC",
                           help="only these documents (file name, id or title)")
    brief_cmd.add_argument("--format", choices=("docx", "md", "pptx"), default="docx")
    brief_cmd.add_argument("--out", type=Path, help="where to write it (default: 简报-TOPIC.FORMAT here; md without "
                                                    "--out prints to the terminal)")
    brief_cmd.set_defaults(run=run_brief)

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
    from ingest.pipeline import IngestError, UnknownDocuments, remove_documents

    try:
        summary = remove_documents(get_settings(), args.sources)
    except UnknownDocuments as error:   # the user named something that is not there: a usage error
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except (IngestError, IndexUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
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

    wanted, unknown = resolve_documents(docs, assistant.index.documents)
    if unknown:
        print(f"error: no indexed document {', '.join(unknown)}. Available documents (file name, id, title):",
              file=err)
        for source, info in assistant.index.documents.items():
            print(f"  {source}  ({info.doc_id})  {info.title}", file=err)
        return USAGE_ERROR
    result = assistant.answer(question, filters={"documents": wanted} if wanted else None)
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


def run_brief(args) -> int:
    from assistant.briefing import UnknownDocument, build_briefing
    from assistant.engine import get_assistant
    from assistant.index import IndexUnavailable
    from assistant.surfaces.export import briefing_to_docx, briefing_to_markdown, briefing_to_pptx

    try:
        assistant = get_assistant(get_settings())
    except IndexUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        briefing = build_briefing(assistant, args.topic, args.docs)
    except (UnknownDocument, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.format == "md" and args.out is None:
        print(briefing_to_markdown(briefing))
        return 0
    out = args.out or Path(f"简报-{safe_file_stem(briefing.topic)}.{args.format}")
    try:
        if args.format == "md":
            out.write_text(briefing_to_markdown(briefing), encoding="utf-8")
        else:
            (briefing_to_docx if args.format == "docx" else briefing_to_pptx)(briefing, out)
    except OSError as error:
        print(f"error: cannot write {out}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"{out}  ({len(briefing.documents)} 份文件涉及 / documents on the topic, "
          f"{len(briefing.not_covered)} 份未涉及 / not)")
    return 0


def safe_file_stem(text: str) -> str:
    """A topic as part of a file name: no path separators or characters Windows forbids."""
    return "".join("_" if ch in '\\/:*?"<>|' or ch.isspace() else ch for ch in text)[:40] or "topic"


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

"""Serving: launch options (theme, css, js, auth), the start-up checks and ``serve()``."""
from __future__ import annotations

import logging
import os
import signal
import sys

from starlette.middleware import Middleware

from assistant.access import LoginThrottle, check_serving
from assistant.engine import Assistant, get_assistant, reset_assistants
from assistant.index import IndexUnavailable
from assistant.settings import Settings
from assistant.surfaces.ui.app import build_app
from assistant.surfaces.ui.files import process_temp_dir
from assistant.surfaces.ui.style import CITATION_LINK_JS, CSS, theme

log = logging.getLogger(__name__)


def launch_options(settings: Settings, host: str | None = None, port: int | None = None) -> dict:
    """Keyword arguments for ``Blocks.launch`` (Gradio 6 takes theme/css/js here, not in Blocks)."""
    options = dict(server_name=host or settings.server_host, server_port=port or settings.server_port,
                   share=False, show_error=False, theme=theme(), css=CSS, js=CITATION_LINK_JS,
                   footer_links=["settings"])
    if settings.auth_username and settings.auth_password:
        options["auth"] = (settings.auth_username, settings.auth_password.get_secret_value())
        options["app_kwargs"] = {"middleware": [Middleware(LoginThrottle, max_failures=settings.login_max_failures,
                                                           lockout_seconds=settings.login_lockout_seconds)]}
    return options


def check_prompts_when_llm(settings: Settings) -> None:
    """Fail at start-up, not on the first question, when an LLM prompt file is broken."""
    if not settings.llm_enabled:
        return
    try:
        from assistant.prompts import check_prompts
    except ImportError:
        log.info("assistant.prompts.check_prompts is not available; skipping the prompt check")
        return
    try:
        check_prompts()
    except Exception as error:
        raise SystemExit(f"error: the LLM prompts are not usable:\n{error}") from error


def assistant_with_index(settings: Settings) -> Assistant:
    """The shared assistant; on first run (or an unusable index) ingest the configured corpus first."""
    try:
        return get_assistant(settings)
    except IndexUnavailable as problem:
        print(f"{problem}\nBuilding the index from {settings.corpus_dir} first…", flush=True)
    from ingest.pipeline import IngestError, ingest

    try:
        summary = ingest(settings, progress=True, on_wait=lambda message: print(message, flush=True))
    except IngestError as error:   # e.g. a read-only data folder: one line, no traceback
        raise SystemExit(f"error: {error}") from None
    print(summary.describe(), flush=True)
    reset_assistants()
    return get_assistant(settings)


def serve(settings: Settings, host: str | None = None, port: int | None = None, insecure: bool = False) -> None:
    """Start the server (blocks). Raises ``ServeRefused`` for an unsafe configuration."""
    check_serving(settings, host or settings.server_host, insecure)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Files Gradio hands out (exports, CSVs) are cached in this process's private folder, removed at exit;
    # SIGTERM exits through Python so that the clean-up runs.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(process_temp_dir() / "gradio"))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    check_prompts_when_llm(settings)
    app = build_app(settings, assistant_with_index(settings))
    options = launch_options(settings, host, port)
    print(f"Serving on http://{options['server_name']}:{options['server_port']}", flush=True)
    app.launch(**options)

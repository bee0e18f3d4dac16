"""LLM mode: an OpenAI-compatible model writes a fluent answer from the numbered passages.

The model only rewrites evidence the extractive answerer already found, and its answer
is checked before it is shown: citations must point at given passages, and every number,
agency, place, 文号 and date must occur in a cited passage (``assistant.grounding``).
While the reply streams, only whole sentences that already pass the check against the
passages they cite are released, marked "核对中 / checking" (``CHECKING``) until the whole
answer has passed; a sentence that does not pass is held back, so text that fails the
check never reaches the screen. An endpoint that cannot stream (it refuses ``stream`` or answers with one
JSON body) is asked again without streaming. On any failure — the check, a timeout, a refused
connection, an HTTP error, a malformed reply — the extractive answer is shown with a
visible notice, never a traceback. The API key is never logged or shown.

Every call has one deadline for the whole answer, ``llm_timeout_seconds``: connection, first
token and completion together. The reply is read on a worker thread and the answer waits on it
only until the deadline, so a stream that stalls, never sends ``[DONE]`` or trickles cannot hold
the answer (a socket timeout alone restarts with every byte). The reply is also bounded in
length (``llm_max_answer_chars``; ``max_tokens`` is asked of the endpoint as well).
"""
from __future__ import annotations

import logging
import queue
import re
import threading
import time
import unicodedata
from contextlib import closing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

from assistant.claims import Embed, check_claims
from assistant.grounding import unsupported_names
from assistant.markup import safe_llm_markdown
from assistant.types import Answer, Citation
from assistant.prompts import PromptError, fill_prompt, render_passages
from assistant.retrieve import Passage
from assistant.settings import Settings
from assistant.text import bilingual

log = logging.getLogger(__name__)

CHECKING = bilingual("核对中…", "Checking…")
# Where a streamed sentence ends: Chinese and Western sentence punctuation, or a line break.
SENTENCE_END = re.compile(r"[。！？；!?;]|\.(?=\s)|\n")
NOT_FOUND = {"zh": "所提供的文件中没有相关规定", "en": "The documents do not state this"}
# [1], [1][2], [1, 2], [1，2] and the full-width 【1】 some Chinese models prefer.
CITATION = re.compile(r"[\[【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]")
NUMBER = re.compile(r"\d+(?:\.\d+)?%?")
# Markdown list markers ("1. ", "2) ") are layout, not figures taken from the documents.
LIST_MARKER = re.compile(r"^\s*\d+[.)、]\s", re.MULTILINE)
THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
HISTORY_TURNS, HISTORY_TURN_CHARS = 6, 500
# Some models prefix the rewritten question with a label despite the prompt.
REWRITE_LABEL = re.compile(r"^\s*(?:改写后的问题|独立问题|rewritten question|standalone question)\s*[:：]\s*", re.IGNORECASE)


class EmptyReply(Exception):
    """The endpoint answered, but with no text."""


class AnswerDeadline(Exception):
    """The whole answer took longer than ``llm_timeout_seconds``."""


class AnswerCheckFailed(Exception):
    """The model's answer is not supported by the passages it cites; args are (中文, English)."""


def language_of(text: str) -> str:
    """'en' when the question is mostly Latin letters, else 'zh'."""
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    letters = sum(1 for ch in text if ch.isalpha())
    return "en" if letters and latin * 2 > letters else "zh"


def llm_label(settings: Settings) -> str:
    return f"LLM: {settings.llm_model}" if settings.llm_enabled else "LLM: off"


def chat_model(settings: Settings, streaming: bool):
    from langchain_openai import ChatOpenAI   # imported lazily: LLM mode is optional

    return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model,
                      api_key=settings.llm_api_key or "not-needed", timeout=settings.llm_timeout_seconds,
                      max_retries=0, streaming=streaming, temperature=0,
                      # a token is at least about one Chinese character; the characters are cut below too
                      max_tokens=2 * settings.llm_max_answer_chars)


def _before_deadline(produce: Callable[[], Iterable[str]], deadline: float) -> Iterator[str]:
    """The pieces ``produce()`` yields, read on a daemon thread; raises ``AnswerDeadline`` once
    ``time.monotonic()`` passes ``deadline``, whatever the endpoint does meanwhile.

    The worker stops at its next piece after the caller gave up; one blocked on a silent socket
    ends with the HTTP client's own timeout (the same number of seconds)."""
    pieces: queue.Queue = queue.Queue()
    stopped = threading.Event()
    finished = object()

    def work() -> None:
        try:
            for piece in produce():
                if stopped.is_set():
                    return
                pieces.put(piece)
            pieces.put(finished)
        except BaseException as error:  # noqa: BLE001 — handed to the caller, which decides
            pieces.put(_Failed(error))

    threading.Thread(target=work, name="llm-reply", daemon=True).start()
    try:
        while True:
            try:
                item = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AnswerDeadline() from None
            if item is finished:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stopped.set()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


# --- answering ---------------------------------------------------------------------

def stream_llm_answer(settings: Settings, question: str, passages: Sequence[Passage],
                      extractive: Answer, known_names: Iterable[str] = (), embed: Embed | None = None) -> Iterator[Answer]:
    """Yield growing partial answers (mode "llm", notice ``CHECKING``); the last one is the
    checked final answer or, on any failure, the extractive answer with a notice.

    ``known_names``: agency and place names the index knows (responsibility records,
    jurisdictions), checked in addition to the generic patterns of ``assistant.grounding``.
    ``embed``: the bundled model's passage embedding; with it, every sentence must also be
    supported by its cited passages (``assistant.claims``) — an unsupported one is dropped, and
    the answer falls back when none is left."""
    # Nothing to ground an answer on (the model could only fail the check), or no endpoint.
    if not passages or not settings.llm_enabled:
        yield extractive
        return
    names = tuple(known_names)
    supported_only = _claim_filter(settings, passages, embed)
    language = language_of(question)
    text, whole, released, cut = "", "", "", False
    deadline = time.monotonic() + settings.llm_timeout_seconds
    messages = _answer_messages(question, passages, language)
    try:
        with closing(_before_deadline(lambda: _reply_text(settings, messages), deadline)) as reply:
            for piece in reply:
                text += piece
                if len(_visible(text)) > settings.llm_max_answer_chars:
                    cut = True       # stop reading: only whole sentences within the bound are kept
                    break
                sentences = _whole_sentences(_visible(text))
                if len(sentences) > len(whole) and _passes_so_far(sentences, passages, names):
                    whole = sentences
                    shown_so_far, _ = supported_only(_normalise_citations(whole))
                    if shown_so_far and shown_so_far != released:
                        released = shown_so_far
                        yield _partial(extractive, released, passages)
        shown = _whole_sentences(_visible(text)[:settings.llm_max_answer_chars]) if cut else _visible(text)
        final = _checked_answer(shown, passages, extractive, names, supported_only)
        if cut:
            final = replace(final, notice=" ".join(filter(None, [final.notice, bilingual(
                f"LLM 回答过长，只显示前 {settings.llm_max_answer_chars} 字以内的完整句子。",
                f"The LLM answer was too long; only whole sentences within {settings.llm_max_answer_chars} "
                "characters are shown.")])))
    except AnswerCheckFailed as problem:
        zh, en = problem.args
        log.warning("LLM answer rejected: %s", en)
        yield _fallback(extractive, bilingual(f"LLM 回答未通过引用核查（{zh}），已显示离线抽取答案。",
                                              f"The LLM answer failed the citation check ({en}); showing the offline answer."))
        return
    except AnswerDeadline:
        log.warning("LLM answer not finished within %g s", settings.llm_timeout_seconds)
        yield _fallback(extractive, bilingual(
            f"LLM 回答超时：{settings.llm_timeout_seconds:g} 秒内未完成，已显示离线抽取答案。",
            f"LLM timeout: the answer did not finish within {settings.llm_timeout_seconds:g} s; showing the offline answer."))
        return
    except Exception as error:  # noqa: BLE001 — any endpoint failure must degrade, never crash
        reason = _describe_failure(error, settings)
        log.warning("LLM endpoint unavailable: %s", reason)
        yield _fallback(extractive, bilingual(f"LLM 服务不可用（{reason}），已显示离线抽取答案。",
                                              f"LLM endpoint unavailable ({reason}); showing the offline answer."))
        return
    yield final


def _whole_sentences(text: str) -> str:
    """The reply up to its last finished sentence (citation markers right after it included)."""
    ends = [m.end() for m in SENTENCE_END.finditer(text)]
    if not ends:
        return ""
    end = ends[-1]
    if tail := re.match(r"\s*(?:[\[【]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]】]\s*)+", text[end:]):
        end += tail.end()
    return text[:end].strip()


def _passes_so_far(text: str, passages: Sequence[Passage], names: tuple[str, ...]) -> bool:
    """Finished sentences may be shown (as "checking") once they cite something and every
    number and name in them occurs in a passage they cite. Otherwise they wait: a later
    citation may still support them, and the final check decides."""
    normalised = _normalise_citations(text)
    try:
        cited = _check_citation_range(normalised, passages)
        if not cited:
            return False
        body = CITATION.sub("", normalised)
        _check_numbers(body, [passages[n - 1] for n in cited])
        _check_names(body, [passages[n - 1] for n in cited], names)
    except AnswerCheckFailed:
        return False
    return True


def _linkable(passages: Sequence[Passage]) -> set[str]:
    """Link targets an LLM answer may keep: the documents its passages come from."""
    return {name for p in passages for name in (p.chunk.source, p.chunk.doc_id)}


def _partial(extractive: Answer, text: str, passages: Sequence[Passage]) -> Answer:
    normalised = safe_llm_markdown(_normalise_citations(text), _linkable(passages))
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", normalised)})
    citations = [Citation.from_passage(n, passages[n - 1]) for n in cited if 1 <= n <= len(passages)]
    return replace(extractive, text=normalised, citations=citations, mode="llm", abstained=False, notice=CHECKING,
                   timings=dict(extractive.timings))


def _answer_messages(question: str, passages: Sequence[Passage], language: str) -> list[tuple[str, str]]:
    system = fill_prompt("system", language)
    user = fill_prompt("answer", language, question=question, passages=render_passages(passages))
    return [("system", system), ("human", user)]


def _reply_text(settings: Settings, messages) -> Iterator[str]:
    """The reply in pieces: streamed when the endpoint streams, else in one piece."""
    received = False
    try:
        for chunk in chat_model(settings, streaming=True).stream(messages):
            if isinstance(chunk.content, str) and chunk.content:
                received = True
                yield chunk.content
        if received:
            return
    except Exception as error:  # noqa: BLE001 — decided below: retry only when streaming itself failed
        if received or not _streaming_refused(error):
            raise
        log.info("the LLM endpoint did not stream (%s); asking again without streaming", type(error).__name__)
    reply = chat_model(settings, streaming=False).invoke(messages).content
    if isinstance(reply, str) and reply:
        yield reply


def _streaming_refused(error: Exception) -> bool:
    """A refusal of ``stream`` (4xx) or a reply that is not an event stream (one JSON body gives no
    chunks); not a timeout, a lost connection, a rate limit or a server error, which a second try repeats."""
    import httpx
    import openai

    if isinstance(error, (openai.APITimeoutError, openai.APIConnectionError, httpx.TimeoutException,
                          httpx.TransportError)):
        return False
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (400, 404, 405, 406, 415, 422, 501)
    return True


def _visible(text: str) -> str:
    """The answer without a reasoning model's <think>…</think> block (possibly still open)."""
    visible = THINKING.sub("", text).strip()
    return "" if "<think>".startswith(visible) else visible   # "<thi" may be a block starting


def _normalise_citations(text: str) -> str:
    return CITATION.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)


def _check_citation_range(text: str, passages: Sequence[Passage]) -> list[int]:
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})
    if bad := [n for n in cited if not 1 <= n <= len(passages)]:
        raise AnswerCheckFailed(f"引用了不存在的片段 [{bad[0]}]，只有 {len(passages)} 段",
                                f"cites [{bad[0]}] but only {len(passages)} passages were given")
    return cited


def _claim_filter(settings: Settings, passages: Sequence[Passage], embed: Embed | None):
    """``text -> (text without unsupported sentences, how many were dropped)``; the identity without ``embed``.
    Embeddings are cached for the answer: streaming re-checks the growing text."""
    if embed is None:
        return lambda text: (text, 0)
    cache: dict[str, list[float]] = {}

    def cached(texts: list[str]) -> list[list[float]]:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            cache.update(zip(todo, embed(todo)))
        return [cache[t] for t in texts]

    def supported_only(text: str) -> tuple[str, int]:
        numbers = {int(n) for n in re.findall(r"\[(\d+)\]", text) if 1 <= int(n) <= len(passages)}
        cited = {n: passages[n - 1].chunk.text for n in sorted(numbers)}
        if not cited:
            return text, 0
        verdicts = check_claims(text, cited, cached, settings.claim_similarity_threshold,
                                exempt=lambda sentence: _says_not_found(CITATION.sub("", sentence), []),
                                threshold_en=settings.claim_similarity_threshold_en)
        dropped = [v for v in verdicts if not v.supported]
        for verdict in dropped:
            log.info("LLM sentence dropped (similarity %.3f%s): %s", verdict.similarity,
                     f", '{verdict.unsupported_status}' not in the passages" if verdict.unsupported_status else "",
                     verdict.sentence[:80])
            text = text.replace(verdict.sentence, "", 1)
        return re.sub(r"\n{3,}", "\n\n", text).strip(), len(dropped)

    return supported_only


def _checked_answer(text: str, passages: Sequence[Passage], extractive: Answer,
                    names: tuple[str, ...] = (), supported_only=None) -> Answer:
    if not text:
        raise EmptyReply()
    # Only the safe Markdown subset is ever shown: no image, raw HTML or link out of the index.
    text = safe_llm_markdown(_normalise_citations(text), _linkable(passages))
    cited = _check_citation_range(text, passages)
    body = CITATION.sub("", text)
    if not body.strip(" \n。.，,；;"):
        raise AnswerCheckFailed("回答为空", "empty answer")
    abstained = _says_not_found(body, cited)
    if not cited and not abstained:
        raise AnswerCheckFailed("没有标注引用", "no citations")
    _check_numbers(body, [passages[n - 1] for n in cited])
    _check_names(body, [passages[n - 1] for n in cited], names)
    notice = ""
    if supported_only is not None and not abstained:
        text, dropped = supported_only(text)
        if not CITATION.sub("", text).strip(" \n。.，,；;"):
            raise AnswerCheckFailed("没有一句得到所引片段的支持", "no sentence is supported by the passages it cites")
        if dropped:
            cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})
            notice = bilingual(f"已删去 {dropped} 句所引片段不支持的内容。",
                               f"{dropped} sentence(s) not supported by the cited passages were removed.")
    citations = [Citation.from_passage(n, passages[n - 1]) for n in cited]
    return replace(extractive, text=text, citations=citations, abstained=abstained, mode="llm", notice=notice,
                   timings=dict(extractive.timings))


def _check_names(body: str, cited: Sequence[Passage], names: tuple[str, ...]) -> None:
    """Every agency, place, 文号 and date must occur in a cited passage (text, title, number, place)."""
    evidence = "\n".join(f"{p.chunk.text}\n{p.chunk.title}\n{p.chunk.doc_number}\n{p.chunk.jurisdiction}\n"
                          f"{p.chunk.section}" for p in cited)
    if problems := unsupported_names(body, evidence, names):
        shown = problems[:3]   # enough to see what went wrong, short enough to read
        raise AnswerCheckFailed("；".join(p.chinese for p in shown), "; ".join(p.english for p in shown))


def _says_not_found(body: str, cited: list[int]) -> bool:
    """An abstention: the answer opens with the not-found sentence, or says it and cites nothing."""
    lowered = body.strip().lower()
    phrases = [phrase.lower() for phrase in NOT_FOUND.values()]
    return any(lowered.startswith(p) or (p in lowered and not cited) for p in phrases)


def _check_numbers(body: str, cited: list[Passage]) -> None:
    """Every figure in the answer must occur in a cited passage (text, title or document number)."""
    evidence = set()
    for passage in cited:
        chunk = passage.chunk
        for token in _numbers(" ".join([chunk.text, chunk.title, chunk.doc_number, chunk.section])):
            evidence |= {token, token.rstrip("%")}   # "15%" in a passage also supports a bare "15"
    for token in _numbers(LIST_MARKER.sub("", body)):
        if token not in evidence:
            raise AnswerCheckFailed(f"数字 {token} 不见于所引片段", f"{token} is not in the cited passages")


def _numbers(text: str) -> list[str]:
    # NFKC folds full-width digits and ％; "7,500" and "7500" are the same figure.
    text = re.sub(r"(?<=\d),(?=\d{3})", "", unicodedata.normalize("NFKC", text))
    return [_canonical(token) for token in NUMBER.findall(text)]


def _canonical(token: str) -> str:
    whole, dot, rest = token.partition(".")
    return (whole.lstrip("0") or "0") + dot + rest


def _fallback(extractive: Answer, notice: str) -> Answer:
    return replace(extractive, mode="extractive", notice=notice)


def _describe_failure(error: Exception, settings: Settings) -> str:
    """A short reason built from the error's type and status only, so no secret can leak."""
    try:
        import httpx
        import openai
    except ImportError:
        return "langchain-openai is not installed"
    if isinstance(error, (openai.APITimeoutError, httpx.TimeoutException)):
        return f"timeout after {settings.llm_timeout_seconds:g} s"
    if isinstance(error, (openai.APIConnectionError, httpx.TransportError)):
        return "connection failed"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}"
    if isinstance(error, EmptyReply):
        return "empty reply"
    if isinstance(error, AnswerDeadline):
        return f"no reply within {settings.llm_timeout_seconds:g} s"
    if isinstance(error, PromptError):
        return "prompt file error"
    return f"malformed reply: {type(error).__name__}"


# --- follow-up rewriting -----------------------------------------------------------

def rewrite_question(settings: Settings, question: str, history: list[dict]) -> str | None:
    """The follow-up as a standalone question, or None on any failure (the caller then
    retrieves with the original question)."""
    if not settings.llm_enabled:
        return None
    language = language_of(question)
    try:
        prompt = fill_prompt("rewrite", language, history=_render_history(history, language), question=question)
        model = chat_model(settings, streaming=False)
        with closing(_before_deadline(lambda: [str(model.invoke([("human", prompt)]).content)],
                                      time.monotonic() + settings.llm_timeout_seconds)) as pieces:
            reply = _visible("".join(pieces))
    except Exception as error:  # noqa: BLE001 — rewriting is an optional improvement
        log.warning("LLM question rewrite failed: %s", _describe_failure(error, settings))
        return None
    if len(reply) > 4 * len(question) + 200:   # an explanation or an answer, not a question
        return None
    lines = [REWRITE_LABEL.sub("", line).strip().strip("\"'“”「」") for line in reply.splitlines()]
    return next((line for line in lines if line), None)


def _render_history(history: list[dict], language: str) -> str:
    """The last few turns, each cut short: earlier answers carry long quoted sources."""
    names = {"zh": {"user": "用户", "assistant": "助手"}, "en": {"user": "User", "assistant": "Assistant"}}[language]
    lines = []
    for turn in history[-HISTORY_TURNS:]:
        role, content = turn.get("role", "user"), " ".join(str(turn.get("content", "")).split())
        lines.append(f"{names.get(role, role)}: {content[:HISTORY_TURN_CHARS]}")
    return "\n".join(lines)

"""LLM mode: an OpenAI-compatible model writes a fluent answer from the numbered passages.

The model only rewrites evidence the extractive answerer already found, and its answer
is checked before it is shown: citations must point at given passages and every number
must occur in a cited passage. On any failure — the check, a timeout, a refused
connection, an HTTP error, a malformed reply — the extractive answer is shown with a
visible notice, never a traceback. The API key is never logged or shown.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import replace

from assistant.types import Answer, Citation
from assistant.prompts import PromptError, fill_prompt, render_passages
from assistant.retrieve import Passage
from assistant.settings import Settings
from assistant.text import bilingual

log = logging.getLogger(__name__)

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
                      max_retries=0, streaming=streaming, temperature=0)


# --- answering ---------------------------------------------------------------------

def stream_llm_answer(settings: Settings, question: str, passages: Sequence[Passage],
                      extractive: Answer) -> Iterator[Answer]:
    """Yield growing partial answers (mode "llm"); the last one is the checked final answer
    or, on any failure, the extractive answer with a notice."""
    # Nothing to ground an answer on (the model could only fail the check), or no endpoint.
    if not passages or not settings.llm_enabled:
        yield extractive
        return
    language = language_of(question)
    text = ""
    try:
        for piece in _stream_text(settings, _answer_messages(question, passages, language)):
            text += piece
            if visible := _visible(text):
                yield replace(extractive, text=visible, mode="llm", abstained=False, notice="",
                              timings=dict(extractive.timings))
        final = _checked_answer(_visible(text), passages, extractive)
    except AnswerCheckFailed as problem:
        zh, en = problem.args
        log.warning("LLM answer rejected: %s", en)
        yield _fallback(extractive, bilingual(f"LLM 回答未通过引用核查（{zh}），已显示离线抽取答案。",
                                              f"The LLM answer failed the citation check ({en}); showing the offline answer."))
        return
    except Exception as error:  # noqa: BLE001 — any endpoint failure must degrade, never crash
        reason = _describe_failure(error, settings)
        log.warning("LLM endpoint unavailable: %s", reason)
        yield _fallback(extractive, bilingual(f"LLM 服务不可用（{reason}），已显示离线抽取答案。",
                                              f"LLM endpoint unavailable ({reason}); showing the offline answer."))
        return
    yield final


def _answer_messages(question: str, passages: Sequence[Passage], language: str) -> list[tuple[str, str]]:
    system = fill_prompt("system", language)
    user = fill_prompt("answer", language, question=question, passages=render_passages(passages))
    return [("system", system), ("human", user)]


def _stream_text(settings: Settings, messages) -> Iterator[str]:
    for chunk in chat_model(settings, streaming=True).stream(messages):
        if isinstance(chunk.content, str) and chunk.content:
            yield chunk.content


def _visible(text: str) -> str:
    """The answer without a reasoning model's <think>…</think> block (possibly still open)."""
    visible = THINKING.sub("", text).strip()
    return "" if "<think>".startswith(visible) else visible   # "<thi" may be a block starting


def _checked_answer(text: str, passages: Sequence[Passage], extractive: Answer) -> Answer:
    if not text:
        raise EmptyReply()
    text = CITATION.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)
    cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})
    if bad := [n for n in cited if not 1 <= n <= len(passages)]:
        raise AnswerCheckFailed(f"引用了不存在的片段 [{bad[0]}]，只有 {len(passages)} 段",
                                f"cites [{bad[0]}] but only {len(passages)} passages were given")
    body = CITATION.sub("", text)
    if not body.strip(" \n。.，,；;"):
        raise AnswerCheckFailed("回答为空", "empty answer")
    abstained = _says_not_found(body, cited)
    if not cited and not abstained:
        raise AnswerCheckFailed("没有标注引用", "no citations")
    _check_numbers(body, [passages[n - 1] for n in cited])
    citations = [Citation.from_passage(n, passages[n - 1]) for n in cited]
    return replace(extractive, text=text, citations=citations, abstained=abstained, mode="llm", notice="",
                   timings=dict(extractive.timings))


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
        reply = _visible(str(chat_model(settings, streaming=False).invoke([("human", prompt)]).content))
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

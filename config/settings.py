"""One typed settings object for every part of StdWatch (env prefix ``STDWATCH_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """Everything configurable; read from ``STDWATCH_*`` environment variables or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="STDWATCH_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("~/.local/share/stdwatch"),
        description="Where the store of record and the embedded search index live.",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the store of record; default: SQLite in data_dir."
    )
    search_backend: Literal["sqlite", "elasticsearch"] = Field(
        default="sqlite", description="Search engine to use."
    )
    es_url: str = Field(
        default="http://127.0.0.1:9200",
        description="Elasticsearch URL (scheme, host, port); a cluster's node URLs comma-separated.",
    )
    es_index: str = Field(
        default="stdwatch", description="Alias the versioned Elasticsearch indices sit behind."
    )
    es_bulk_size: int = Field(
        default=1000, ge=50, description="Documents per bulk request while syncing (a rebuild sends 8,000)."
    )
    # A real cluster (README "Elasticsearch cluster"): credentials only from the environment.
    es_api_key: SecretStr | None = Field(
        default=None, description="Elasticsearch API key, the encoded form (STDWATCH_ES_API_KEY)."
    )
    es_username: str | None = Field(default=None, description="Elasticsearch user for basic auth.")
    es_password: SecretStr | None = Field(default=None, description="Elasticsearch password (environment).")
    es_ca_file: Path | None = Field(
        default=None, description="PEM file of the CAs trusted for an https cluster; default: the system's."
    )
    es_shards: int = Field(default=1, ge=1, le=1024, description="Primary shards of a new index.")
    es_replicas: int = Field(default=0, ge=0, le=16, description="Replicas of each shard of a new index.")
    ingest_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Processes that read and analyse documents during a large index sync (search.parallel), "
        "the ingest process included; 0: one per CPU, 1: the ingest process alone.",
    )
    search_count_bound: int = Field(
        default=10_000,
        ge=1,
        description='Count matches exactly up to here; beyond, the total is shown as "10,000+" (issue 12).',
    )
    search_index_path: Path | None = Field(
        default=None, description="SQLite FTS5 index file; default: data_dir/index.sqlite3."
    )
    segmenter: Literal["rjieba", "jieba"] = Field(
        default="rjieba", description="jieba-compatible segmenter: rjieba (Rust, fast) or jieba (reference)."
    )
    user_dict_path: Path = Field(default=CONFIG_DIR / "jieba_userdict.txt")
    synonyms_path: Path = Field(default=CONFIG_DIR / "synonyms.txt")
    crawl_contact: str = Field(
        default="mailto:stdwatch@example.org", description="Contact named in the crawlers' User-Agent."
    )
    eping_key: str | None = Field(
        default=None, description="WTO API key for ePing (Ocp-Apim-Subscription-Key)."
    )
    crawl_http_cache: bool = Field(
        default=False, description="Cache HTTP responses while developing spiders."
    )
    # Accounts, links and email (alerts). Secrets come only from the environment.
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs confirmation/unsubscribe links and browser sessions (STDWATCH_SECRET_KEY).",
    )
    public_url: str = Field(default="http://127.0.0.1:8000", description="Base URL used in links in emails.")
    search_open: bool = Field(default=True, description="Search and documents open to anonymous readers.")
    timezone: str = Field(default="Asia/Shanghai", description="Default timezone of new organizations.")
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server that delivers alert emails.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="none, STARTTLS or TLS."
    )
    smtp_user: str | None = Field(default=None, description="SMTP user name (from the environment).")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password (from the environment).")
    smtp_timeout: float = Field(default=30.0, gt=0)
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CAs trusted for the SMTP server's certificate; default: the system's.",
    )
    mail_from: str = Field(
        default="StdWatch <alerts@stdwatch.invalid>", description="From header of alert emails."
    )
    reminder_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="Remind this many days before a followed notification's comment deadline.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "WARNING"

    @property
    def data_path(self) -> Path:
        return self.data_dir.expanduser()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_path / 'stdwatch.sqlite3'}"

    @property
    def resolved_index_path(self) -> Path:
        return (self.search_index_path or self.data_path / "index.sqlite3").expanduser()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()

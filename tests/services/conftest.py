"""Service-test fixtures."""

from pathlib import Path

import pytest

from chat_ui.core.config import Settings, set_settings


@pytest.fixture
def upload_dir(tmp_path: Path) -> Path:
    """Uploads go to a fresh folder of this test."""
    folder = tmp_path / 'uploads'
    set_settings(Settings(_env_file=None, upload_dir=folder, data_dir=tmp_path))  # type: ignore[call-arg]
    return folder

"""Shared fixtures: the shipped catalogue and the default rules; tests/ on the path for tiny.py and brute.py."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from planner.data.catalog import Catalog, load_catalog
from planner.data.inputs import load_rules
from planner.schema.rules import Rules

# The catalogue cache goes to a folder of this test run, never to the user's ~/.cache.
_CACHE = tempfile.mkdtemp(prefix="rig-planner-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def default_rules() -> Rules:
    return load_rules()


@pytest.fixture(autouse=True)
def _no_user_measured_runs(tmp_path_factory, monkeypatch):
    # Estimates read the user's own measured runs from $XDG_CONFIG_HOME: keep a developer's file out.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))

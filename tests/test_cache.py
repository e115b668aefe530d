"""The catalogue cache: what it gives equals what parsing gives; a changed file, a corrupt or foreign cache,
or a folder that cannot be written falls back to parsing, never to wrong entries."""

import json

import pytest

from planner.data import cache as cache_mod
from planner.data.catalog import load_catalog

PART = """- kind: riser
  id: my-riser
  name: My riser
  vendor: Me
  source: my own measurement
  riser_kind: ribbon
  pcie_gen: 4
  lanes: 16
  length_mm: {length}
"""


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("RIG_PLANNER_NO_CACHE", raising=False)
    monkeypatch.setattr("planner.data.catalog._SHIPPED", {})  # what one process keeps: each load here is a new one
    return home / "rig-planner" / cache_mod.NAME


def test_cached_catalogue_equals_the_parsed_one(cache_home, monkeypatch):
    cold = load_catalog()
    assert cache_home.is_file()
    monkeypatch.setattr("planner.data.catalog._SHIPPED", {})
    calls = []
    monkeypatch.setattr("planner.data.catalog._read_entries", lambda *a: calls.append(a) or [])
    warm = load_catalog()
    assert calls == []  # nothing was parsed
    assert warm.entries == cold.entries and warm.origins == cold.origins


def test_a_changed_overlay_is_parsed_again(cache_home, tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(PART.format(length=200))
    assert load_catalog(extra=[mine]).get("my-riser").length_mm == 200
    mine.write_text(PART.format(length=300))
    assert load_catalog(extra=[mine]).get("my-riser").length_mm == 300
    mine.write_text(PART.format(length=200))  # back to contents cached before
    assert load_catalog(extra=[mine]).get("my-riser").length_mm == 200


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"\x00garbage",
        lambda raw: raw[: len(raw) // 2],  # a truncated write
        lambda raw: raw.replace(b'length_mm\\":200', b'length_mm\\":999'),  # edited, digest not updated
    ],
    ids=["garbage", "truncated", "edited"],
)
def test_a_corrupt_cache_is_rebuilt(cache_home, tmp_path, damage):
    mine = tmp_path / "mine.yaml"
    mine.write_text(PART.format(length=200))
    load_catalog(extra=[mine])
    raw = cache_home.read_bytes()
    assert damage(raw) != raw
    cache_home.write_bytes(damage(raw))
    assert load_catalog(extra=[mine]).get("my-riser").length_mm == 200
    header = json.loads(cache_home.read_bytes().partition(b"\n")[0])  # rewritten whole
    assert header["format"] == cache_mod.FORMAT and header["code"] == cache_mod.code_key()


def test_a_foreign_cache_is_not_trusted(cache_home, tmp_path):
    """A cache with a valid digest but written by other code, or holding entries the schema refuses."""
    mine = tmp_path / "mine.yaml"
    mine.write_text(PART.format(length=200))
    load_catalog(extra=[mine])
    head, _, body = cache_home.read_bytes().partition(b"\n")
    files = json.loads(body)
    for record in files.values():
        record["entries"] = record["entries"].replace('"length_mm":200', '"length_mm":-5')
    forged = json.dumps(files).encode()
    for code in (json.loads(head)["code"], "someone else's code"):
        header = {"format": cache_mod.FORMAT, "code": code, "sha256": cache_mod._digest(forged)}
        cache_home.write_bytes(json.dumps(header).encode() + b"\n" + forged)
        assert load_catalog(extra=[mine]).get("my-riser").length_mm == 200


def test_no_cache_folder_or_cache_turned_off_still_loads(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert len(load_catalog()) > 400
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "off"))
    monkeypatch.setenv("RIG_PLANNER_NO_CACHE", "1")
    assert len(load_catalog()) > 400
    assert not (tmp_path / "off").exists()


def test_a_file_with_problems_is_never_cached(cache_home, tmp_path):
    from planner.data.load import InputError

    bad = tmp_path / "bad.yaml"
    bad.write_text(PART.format(length=-1))
    for _ in range(2):  # reported the second time too: not served from the cache
        with pytest.raises(InputError, match="length_mm"):
            load_catalog(extra=[bad])

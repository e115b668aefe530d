"""Bad catalogue input: each kind of mistake is reported with file, line, place, message and hint (exact text)."""

from pathlib import Path

import pytest

from planner.data.catalog import load_catalog
from planner.data.load import InputError

BAD = Path(__file__).parent / "data" / "bad"

EXPECTED = {
    "unknown_key.yaml": "unknown_key.yaml:11: test-dimm.colour: unknown field 'colour'. remove it or fix its spelling",
    "missing_field.yaml": "missing_field.yaml:1: test-dimm.size_gb: missing field 'size_gb'. add it",
    "wrong_unit.yaml": "wrong_unit.yaml:8: test-dimm.size_gb: expected a whole number, got '32 GB'. give a whole "
    "number, without units",
    "zero_bandwidth_gpu.yaml": "zero_bandwidth_gpu.yaml:11: test-gpu.bandwidth_gbs: Input should be greater than 0, "
    "got 0. check the value and its unit",
    "absurd_psu.yaml": "absurd_psu.yaml:7: test-psu.watts: Input should be less than or equal to 5000, got 90000. "
    "check the value and its unit (the field name says which)",
    "duplicate_id.yaml": "duplicate_id.yaml:11: samsung-32gb-ddr4-3200-rdimm: duplicate id (first defined at "
    "{dir}/duplicate_id.yaml:1). give each entry its own id",
    "orphan_socket.yaml": "orphan_socket.yaml:1: test-board.socket: socket 'lga9999' is not the socket of any CPU. "
    "did you mean lga4189?",
    "malformed.yaml": "malformed.yaml:3: malformed YAML: mapping values are not allowed in this context. fix the YAML "
    "syntax",
    "bad_slug.yaml": "bad_slug.yaml:2: Test_DIMM.id: 'Test_DIMM' is not a valid id. use lowercase letters, digits "
    "and single hyphens",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gives_exact_message(name):
    path = BAD / name
    before = path.read_bytes()
    with pytest.raises(InputError) as err:
        load_catalog(extra=[path])
    assert [str(p) for p in err.value.problems] == [f"{BAD}/" + EXPECTED[name].format(dir=BAD)]
    assert path.read_bytes() == before  # nothing the user wrote is touched


def test_every_problem_across_files_is_collected():
    with pytest.raises(InputError) as err:
        load_catalog(extra=sorted(BAD.glob("*.yaml")))
    files = {Path(p.file).name for p in err.value.problems}
    # Cross-file checks (sockets) run only once the files themselves parse.
    assert files >= {n for n in EXPECTED if n != "orphan_socket.yaml"}

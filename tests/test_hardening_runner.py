"""The Odoo suite runs under pytest-odoo too, and a developer can run one test.

The runs themselves happen in scripts/test (odoo-bin, then pytest-odoo on the same database); these
checks keep the command, CI and the README saying the same thing.
"""

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SCRIPT = (ROOT / "scripts" / "test").read_text()


def _code_blocks(text):
    return re.findall(r"```sh\n(.*?)```", text, re.DOTALL)


def test_ci_runs_exactly_the_readme_test_command():
    section = README.split("## Test it", 1)[1]
    command = _code_blocks(section)[0].strip()
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    run = shlex.split(ci[-1])
    assert run[0] == "exec", ci[-1]
    assert run[-1] == command, (run, command)


def test_scripts_test_runs_the_odoo_suite_with_pytest_odoo():
    assert re.search(r"-m pytest .*\n?.*--odoo-database=\"\$db\"", SCRIPT)
    assert "procountor_connector/tests" in SCRIPT
    # Exit 5 ("no tests collected") is a failure, and the pytest-odoo count reaches the total line.
    assert re.search(r"prc -eq 5", SCRIPT)
    assert "pytest-odoo: $p passed" in SCRIPT
    # Each part's count is printed above the plain closing line, which stays alone on its line.
    assert re.search(r'^    echo "  \$\{part\}"$', SCRIPT, re.MULTILINE)
    assert re.search(
        r'^echo "total: \$\{passed_total\} passed, \$\{failed_total\} failed, '
        r'\$\{skipped_total\} skipped"$',
        SCRIPT,
        re.MULTILINE,
    )


def test_readme_says_how_to_run_one_test_with_both_runners():
    section = README.split("### Run one test", 1)[1].split("\n## ", 1)[0]
    commands = " ".join(_code_blocks(section)).replace("\\\n", " ")
    one_odoo = re.search(r"--test-tags /procountor_connector:(\w+)\.(\w+)", commands)
    one_pytest = re.search(
        r"--odoo-database=\S+ --odoo-config=\S+\s+(procountor_connector/tests/\S+)::(\w+)::(\w+)",
        " ".join(commands.split()),
    )
    assert one_odoo and one_pytest
    # Both name a test that exists.
    path = ROOT / one_pytest.group(1)
    source = path.read_text()
    assert f"class {one_pytest.group(2)}(" in source
    assert f"def {one_pytest.group(3)}(" in source
    assert (one_odoo.group(1), one_odoo.group(2)) == (one_pytest.group(2), one_pytest.group(3))

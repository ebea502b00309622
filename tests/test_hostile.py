"""Hostile inputs: secrets never reach a report or the terminal, files that are not files are never
read, crashes become one-line errors. Each test runs a real process or reads a real file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from living_checklist.core.redact import MASK, redact_argv, redact_text, redact_url
from tests.test_service import SERVICE_FEATURE, free_port, service_project

PY = sys.executable
SECRETS = ("s3cretpw", "hunter2", "tok456", "abcXYZ789")

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the service steps need POSIX process groups")


# -- the redaction rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://user:pass@127.0.0.1:8000/x", "http://user:***@127.0.0.1:8000/x"),
        ("https://ghp_token@github.com/o/r", "https://***@github.com/o/r"),
        ("GET http://h/x?access_token=abc&page=2: 500", "GET http://h/x?access_token=***&page=2: 500"),
        ("serve --password=hunter2 --port 80", "serve --password=*** --port 80"),
        ("serve --db-password hunter2 -p 80", "serve --db-password *** -p 80"),
        ('curl -H "Authorization: Basic dXNlcg==" -v', 'curl -H "Authorization: ***" -v'),
        ("proxy-authorization=Bearer x", "proxy-authorization=***"),
        ("token Bearer abc.def", "token Bearer ***"),
        ('{"apiKey": "xyz", "n": 3}', '{"apiKey": "***", "n": 3}'),
        ("API_KEY=x SECRET=y ./run", "API_KEY=*** SECRET=*** ./run"),
        ("client_credentials: abc", "client_credentials: ***"),
        # not secrets: names that only contain such a word, one-letter options, prose
        ("monkey=3 passes=4 keyboard=5", "monkey=3 passes=4 keyboard=5"),
        ("KeyError: 3 in min(xs, key=len); token_count=5", "KeyError: 3 in min(xs, key=len); token_count=5"),
        ("openssl --key server.pem --secret-key=abc", "openssl --key *** --secret-key=***"),
        ("serve -p 8080 --no-password --verbose", "serve -p 8080 --no-password --verbose"),
        ("the token is checked", "the token is checked"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
    ],
)
def test_the_redaction_rule(text: str, expected: str) -> None:
    assert redact_text(text) == expected
    assert redact_text(expected) == expected  # idempotent


def test_argv_redaction_masks_separate_values() -> None:
    argv = [
        "srv",
        "--password",
        "hunter2",
        "--token=tok",
        "-p",
        "9",
        "--secret",
        "--x",
        "http://a:b@h",
        "-H",
        "Authorization: x",
    ]
    assert redact_argv(argv) == [
        "srv",
        "--password",
        MASK,
        "--token=***",
        "-p",
        "9",
        "--secret",
        "--x",
        "http://a:***@h",
        "-H",
        "Authorization: ***",
    ]
    assert redact_url("http://u:p@h:1/") == "http://u:***@h:1/"


@given(st.text(alphabet="ak=-: ./\"'@pstw", max_size=200), st.sampled_from(["password", "TOKEN", "apiKey", "auth"]))
def test_a_named_secret_never_survives_its_surroundings(noise: str, name: str) -> None:
    text = f"{noise} --{name}=Zq9secret {noise} {name}: Zq9secret {noise}"
    assert "Zq9secret" not in redact_text(text)


def test_redaction_is_linear_on_hostile_text() -> None:
    import time

    for text in ("a-" * 100_000, "key" * 60_000, "http://a" * 20_000, "a:" * 100_000, "--key " * 30_000):
        start = time.perf_counter()
        redact_text(text)
        assert time.perf_counter() - start < 5.0, text[:10]


# -- secrets of the URL and the service reach no report, and not the terminal ------------------

LEAKY_FEATURE = (
    SERVICE_FEATURE.split("  @SVC-005")[0]
    + """\
  @SVC-008
  Scenario: the wrong status
    When I send a GET request to "/nowhere"
    Then the response status is 200
"""
)


def _all_outputs(pytester: pytest.Pytester, result: pytest.RunResult) -> dict[str, str]:
    texts = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    for path in pytester.path.glob("out/*"):
        texts[path.name] = path.read_text(errors="replace")
    return texts


REPORT_ARGS = (
    "--checklist-json=out/c.json",
    "--checklist-md=out/c.md",
    "--checklist-html=out/c.html",
    "--checklist-messages=out/c.ndjson",
    "--checklist-cucumber=out/cucumber.json",
    "--junitxml=out/junit.xml",
)


@pytest.mark.parametrize("tb", ["long", "line", "native"])
def test_secrets_of_url_and_service_reach_no_report(
    pytester: pytest.Pytester, tb: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    service = f"{PY} server.py {port} --password hunter2 --api-token=tok456"
    service_project(pytester, LEAKY_FEATURE, service, f"http://admin:s3cretpw@127.0.0.1:{port}")
    (pytester.path / "out").mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(pytester.path / "out" / "summary.md"))
    result = pytester.runpytest_subprocess(*REPORT_ARGS, f"--tb={tb}", "-rA", "-p", "no:cacheprovider")
    assert result.ret == 1, result.stdout.str()
    texts = _all_outputs(pytester, result)
    assert {"c.json", "c.md", "c.html", "c.ndjson", "junit.xml", "summary.md"} <= set(texts)
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {name}"
    assert "admin:***@127.0.0.1" in texts["c.json"]
    assert "--password ***" in texts["c.json"]


def test_a_service_that_prints_its_secrets_and_dies(pytester: pytest.Pytester) -> None:
    port = free_port()
    (pytester.path / "noisy.py").write_text(
        "import sys\nprint('starting with', ' '.join(sys.argv), 'Authorization: Bearer abcXYZ789', flush=True)\n"
        "sys.exit(3)\n"
    )
    service_project(pytester, LEAKY_FEATURE, f"{PY} noisy.py --password hunter2", f"http://u:s3cretpw@127.0.0.1:{port}")
    (pytester.path / "noisy.py").write_text((pytester.path / "noisy.py").read_text())
    (pytester.path / "out").mkdir()
    result = pytester.runpytest_subprocess(*REPORT_ARGS, "-p", "no:cacheprovider")
    assert result.ret == 1, result.stdout.str()
    texts = _all_outputs(pytester, result)
    assert "exited with status 3" in texts["c.json"]
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} in {name}"


# -- a report path that names an input is refused before anything is removed -------------------

FAILING_FEATURE = """\
Feature: F
  @T-1
  Scenario: fails
    Given it fails
"""
FAILING_CONFTEST = """\
from pytest_bdd import given

@given("it fails")
def fails():
    assert False, "it fails"
"""


LOCAL_URL = "checklist_url = http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("args", "ini", "expected"),
    [
        (["--checklist-md=features/a.feature"], "", "names a feature file"),
        (["--checklist-json=features/sub/new.json"], "", "lies in"),
        (["--checklist-html=conftest.py"], "", "names Python code"),
        (["--checklist-badge=steps/extra.py"], "", "names Python code"),
        (["--checklist-json=pytest.ini"], "", "names a configuration file"),
        (["--checklist-history=features/a.feature"], "", "names a feature file"),
        (["--checklist-json=link.json"], "", "names a feature file"),
        ([], "checklist_md = features/a.feature", "names a feature file"),
        ([], "checklist_json = seeds/manifest.json", "lies in"),
        (["--junitxml=features/a.feature"], "", "names a feature file"),
        (["--junitxml=out/c.json", "--checklist-json=out/c.json"], "", "writes the same file"),
        (["--checklist-md=evidence/signed.md"], "", "lies in"),
        (["--checklist-json=bin/tool.sh"], "checklist_system = sh bin/tool.sh --quiet", "command names"),
        (["--checklist-json=data/tool"], "checklist_systems = t = ./tool\n  t.cwd = data", "command names"),
        (["--checklist-badge=bin/tool.sh"], f"{LOCAL_URL}\nchecklist_service = sh bin/tool.sh", "command names"),
        (["--junitxml=bin/tool.sh"], "checklist_services = w = http://127.0.0.1:9 | bin/tool.sh", "command names"),
    ],
)
def test_a_report_path_that_names_an_input_is_refused_before_anything_goes(
    pytester: pytest.Pytester, args: list[str], ini: str, expected: str
) -> None:
    from tests.helpers import write_files

    write_files(
        pytester.path,
        {
            "features/a.feature": FAILING_FEATURE,
            "conftest.py": FAILING_CONFTEST,
            "steps/extra.py": "# steps\n",
            "seeds/manifest.json": "{}\n",
            "evidence/signed.md": "signed\n",
            "bin/tool.sh": "echo the system under test\n",
            "data/tool": "echo the system under test\n",
            "pytest.ini": f"[pytest]\nchecklist_features = features\n{ini}\n",
        },
    )
    (pytester.path / "link.json").symlink_to(pytester.path / "features" / "a.feature")
    before = {path: path.read_bytes() for path in pytester.path.rglob("*") if path.is_file()}
    result = pytester.runpytest_subprocess(*args, "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    result.stderr.fnmatch_lines([f"*{expected}*"])
    assert {path: path.read_bytes() for path in before if path.exists()} == before
    if args == ["--checklist-md=features/a.feature"]:  # and with a report path outside the inputs: it fails
        assert pytester.runpytest_subprocess("--checklist-md=out/c.md", "-p", "no:cacheprovider").ret == 1


# -- files that are not files are never read -------------------------------------------------


def _not_a_file(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()


def _run(cwd: Path, *argv: str, timeout: float = 120) -> tuple[int, str]:
    import subprocess

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["zero", "fifo", "folder"])
@pytest.mark.parametrize("command", ["pytest", "status"])
def test_a_feature_file_that_is_not_a_file_is_one_error_line(tmp_path: Path, kind: str, command: str) -> None:
    from tests.helpers import write_files

    write_files(
        tmp_path,
        {
            "features/ok.feature": "Feature: ok\n  @T-1\n  Scenario: s\n    Given TBD\n",
            "pytest.ini": "[pytest]\nchecklist_features = features\n",
        },
    )
    _not_a_file(tmp_path / "features" / "bad.feature", kind)
    argv = (
        [PY, "-m", "pytest", "-p", "no:cacheprovider"]
        if command == "pytest"
        else [PY, "-m", "living_checklist", "status"]
    )
    code, output = _run(tmp_path, *argv)
    if kind == "folder":  # a folder named *.feature is walked as a folder, as pytest does
        assert code == 0, output
        return
    assert code == (1 if command == "pytest" else 2), output  # status: 2 for a file that does not parse
    assert "bad.feature" in output and "not a regular file" in output, output
    assert "Traceback" not in output


# -- merge: every malformed shard is one line, exit 2; only regular feature files in the root --

OK_CONFTEST = 'from pytest_bdd import given\n\n@given("it is fine")\ndef fine():\n    pass\n'
OK_FEATURE = "Feature: ok\n  @T-1\n  Scenario: s\n    Given it is fine\n"


@pytest.fixture(scope="module")
def shard_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    import json

    from tests.helpers import write_files

    root = tmp_path_factory.mktemp("shard")
    write_files(
        root,
        {
            "features/a.feature": OK_FEATURE,
            "conftest.py": OK_CONFTEST,
            "pytest.ini": "[pytest]\nchecklist_features = features\n",
        },
    )
    code, output = _run(root, PY, "-m", "pytest", "-p", "no:cacheprovider", "--checklist-json=r.json")
    assert code == 0, output
    data: dict[str, object] = json.loads((root / "r.json").read_text())
    return data


def _mutated(report: dict[str, object], change: str) -> dict[str, object]:
    import copy

    data = copy.deepcopy(report)
    requirement = data["requirements"][0]  # type: ignore[index]
    if change == "requirements-a-string":
        data["requirements"] = "all of them"
    elif change == "cases-a-number":
        requirement["cases"] = 5
    elif change == "status-a-number":
        requirement["cases"][0]["status"] = 3
    elif change == "no-requirements":
        del data["requirements"]
    elif change == "no-nodeid":
        del requirement["cases"][0]["nodeid"]
    elif change == "line-a-string":
        requirement["line"] = "three"
    elif change == "totals-a-list":
        data["totals"] = []
    elif change == "schema-99":
        data["schema"] = 99
    elif change == "durations-strings":
        requirement["cases"][0]["durations"] = ["x"]
    elif change == "measurements-junk":
        requirement["cases"][0]["measurements"] = [{"name": 1}]
    return data


MUTATIONS = [
    "requirements-a-string",
    "cases-a-number",
    "status-a-number",
    "no-requirements",
    "no-nodeid",
    "line-a-string",
    "totals-a-list",
    "schema-99",
    "durations-strings",
    "measurements-junk",
]
RAW = {
    "truncated": None,
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "huge-int": b'{"schema": ' + b"9" * 5000 + b"}",
    "non-object": b'"a string"',
    "a-number": b"3",
    "binary": bytes(range(256)) * 4,
    "empty": b"",
    "utf16": '{"schema": 2}'.encode("utf-16"),
}


@pytest.mark.parametrize("variant", [*MUTATIONS, *RAW, "directory", "fifo", "dev-zero"])
def test_every_malformed_shard_is_one_line_and_exit_2(
    tmp_path: Path, shard_report: dict[str, object], variant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from living_checklist import cli

    good = tmp_path / "good.json"
    good.write_text(json.dumps(shard_report))
    bad = tmp_path / "bad.json"
    if variant in MUTATIONS:
        bad.write_text(json.dumps(_mutated(shard_report, variant)))
    elif variant == "truncated":
        bad.write_text(good.read_text()[: len(good.read_text()) // 2])
    elif variant in RAW:
        bad.write_bytes(RAW[variant] or b"")
    elif variant == "directory":
        bad.mkdir()
    elif variant == "fifo":
        os.mkfifo(bad)
    else:
        bad.symlink_to("/dev/zero")
    code = cli.main(["merge", "-o", str(tmp_path / "out.json"), str(good), str(bad), str(bad)])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{bad}: ") for line in lines), err  # one line per file
    assert "Traceback" not in err
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("named", ["outside", "dev-zero", "fifo", "absolute"])
def test_merge_reads_only_regular_feature_files_inside_the_root(
    tmp_path: Path, shard_report: dict[str, object], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import copy
    import json

    from living_checklist import cli

    root = tmp_path / "root"
    (root / "features").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.feature").write_text(OK_FEATURE.replace("Scenario: s", "Scenario: s\n    # TOPSECRET-LINE"))
    data = copy.deepcopy(shard_report)
    requirement = data["requirements"][0]  # type: ignore[index]
    if named == "outside":
        feature = "../outside/a.feature"
    elif named == "absolute":
        feature = str(outside / "a.feature")
    elif named == "dev-zero":
        feature = "features/zero.feature"
        (root / feature).symlink_to("/dev/zero")
    else:
        feature = "features/pipe.feature"
        os.mkfifo(root / feature)
    requirement["feature"] = feature
    requirement["cases"][0]["nodeid"] = f"{feature}::T-1"
    shard = tmp_path / "shard.json"
    shard.write_text(json.dumps(data))
    html = tmp_path / "merged.html"
    code = cli.main(["merge", "-o", str(tmp_path / "m.json"), "--html", str(html), "--rootdir", str(root), str(shard)])
    assert code == 0, capsys.readouterr()
    assert "TOPSECRET" not in html.read_text() and "TOPSECRET" not in (tmp_path / "m.json").read_text()


def test_merge_exits_1_for_an_incomplete_checklist(
    tmp_path: Path, shard_report: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from living_checklist import cli

    shard = tmp_path / "shard.json"
    shard.write_text(json.dumps({**shard_report, "complete": False}))
    code = cli.main(["merge", "-o", str(tmp_path / "m.json"), str(shard)])
    assert code == 1, capsys.readouterr()
    assert json.loads((tmp_path / "m.json").read_text())["complete"] is False
    assert "INCOMPLETE" in capsys.readouterr().out
    shard.write_text(json.dumps(shard_report))
    assert cli.main(["merge", "-o", str(tmp_path / "m.json"), str(shard)]) == 0


# -- crashes become usage errors: deep or huge history and baseline files ------------------------


@pytest.mark.parametrize(
    ("option", "content"),
    [
        ("--checklist-history", b"[" * 100_000 + b"]" * 100_000 + b"\n"),
        ("--checklist-history", b'{"time": 1, "totals": {"verified": ' + b"9" * 5000 + b'}, "statuses": {}}\n'),
        ("--checklist-baseline", b'{"schema": 2, "totals": {"verified": ' + b"9" * 5000 + b"}}"),
        ("--checklist-baseline", b"[" * 100_000 + b"]" * 100_000),
        ("--checklist-baseline", None),  # a FIFO: reading it would wait for ever
        ("--checklist-history", None),
    ],
    ids=["history-deep", "history-huge-int", "baseline-huge-int", "baseline-deep", "baseline-fifo", "history-fifo"],
)
def test_hostile_history_and_baseline_files_are_usage_errors(
    tmp_path: Path, option: str, content: bytes | None
) -> None:
    from tests.helpers import write_files

    write_files(
        tmp_path,
        {
            "features/a.feature": OK_FEATURE,
            "conftest.py": OK_CONFTEST,
            "pytest.ini": "[pytest]\nchecklist_features = features\n",
        },
    )
    target = tmp_path / "input.json"
    if content is None:
        os.mkfifo(target)
    else:
        target.write_bytes(content)
    code, output = _run(tmp_path, PY, "-m", "pytest", "-p", "no:cacheprovider", f"{option}={target}", timeout=60)
    assert code == pytest.ExitCode.USAGE_ERROR, output
    assert "INTERNALERROR" not in output and "Traceback" not in output
    assert "input.json" in output


# -- documented commands: nothing a shell would read differently runs ---------------------------

STEPS_CONFTEST = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
pytest_plugins = ["living_checklist.steps"]
"""
SHELL_LINES = [
    "echo one ;false",
    "echo x>made",
    "echo $(touch made)",
    "echo `touch made`",
    "echo a|cat",
    "echo a&",
    "cat<made",
    "ls *.md",
    "ls ~",
    "echo $HOME",
    'echo "$HOME"',
    'echo "\\$HOME"',
    "FOO=1 echo",
    "echo # comment",
    "echo {a,b}",
    "echo 'unbalanced",
    "",
]


def _doc_project(pytester: pytest.Pytester, docs: dict[str, str]) -> None:
    from tests.helpers import write_files

    scenarios = "".join(
        f'  @D-{n}\n  Scenario: doc {n}\n    Then every command shown in "docs/{name}" succeeds\n'
        for n, name in enumerate(docs)
    )
    write_files(
        pytester.path,
        {
            "conftest.py": STEPS_CONFTEST,
            "pytest.ini": "[pytest]\nchecklist_features = features\n",
            "features/docs.feature": f"Feature: docs\n{scenarios}",
            **{f"docs/{name}": text for name, text in docs.items()},
        },
    )


def test_documented_commands_a_shell_reads_differently_are_errors(pytester: pytest.Pytester) -> None:
    from tests.helpers import run_by_id, statuses

    docs = {f"d{n}.md": f"Try:\n\n```sh\n$ echo fine\n$ {line}\n```\n" for n, line in enumerate(SHELL_LINES)}
    docs["comment.md"] = (
        "<!--\n```sh\n$ touch made\n```\n-->\n<!-- ```sh\n$ false\n``` -->\n"
        "```python\n$ false\n```\n```console\n$ echo fine\n```\n"
    )
    docs["plain.md"] = "```bash\n$ echo 'a;b' \"c|d\" e\\;f --format=%H\n$ python3 -c pass\n```\n"
    _doc_project(pytester, docs)
    result, reqs = run_by_id(pytester, "-p", "no:cacheprovider")
    found = statuses(reqs)
    shell = {f"D-{n}" for n in range(len(SHELL_LINES))}
    assert {rid: found[rid] for rid in shell} == dict.fromkeys(shell, "error"), result.stdout.str()
    assert found[f"D-{len(SHELL_LINES)}"] == "verified"  # the comment hid the failing ones
    assert found[f"D-{len(SHELL_LINES) + 1}"] == "verified"
    for n in range(len(SHELL_LINES)):
        message = reqs[f"D-{n}"]["message"]
        assert f"docs/d{n}.md:5:" in message and "\n" not in message.strip(), message
    assert not (pytester.path / "made").exists()
    assert "Traceback" not in result.stdout.str()


# -- linked folders of logs and samples are followed; what is not a file is reported ------------

LINKED_FEATURE = """\
Feature: linked folders
  @L-1
  Scenario: a secret in a linked log folder
    When I run the system with input "hello"
    Then neither the output nor the logs in "logs" contain "hunter2-secret"
  @L-2
  Scenario: a bad sample in a linked folder
    When the system opens every file in "samples" with arguments "{file}"
    Then the exit status is 0
  @L-3
  Scenario: a FIFO among the samples
    When the system reads every file in "fifo-samples"
    Then the exit status is 0
  @L-4
  Scenario: a log folder with a link loop and no secret
    When I run the system with input "hello"
    Then neither the output nor the logs in "loop-logs" contain "hunter2-secret"
  @L-5
  Scenario: a reference that is a FIFO
    When I run the system with input "hello"
    Then the result agrees with the reference "pipe.txt" to within exact
"""
LINKED_SYSTEM = """\
import sys
data = open(sys.argv[1]).read() if sys.argv[1:] else sys.stdin.read()
sys.exit(1 if data.startswith("bad") else 0)
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_linked_log_and_sample_folders_are_followed(pytester: pytest.Pytester) -> None:
    import shlex

    from tests.helpers import run_by_id, statuses, write_files

    write_files(
        pytester.path,
        {
            "conftest.py": STEPS_CONFTEST,
            "pytest.ini": f"[pytest]\nchecklist_features = features\nchecklist_system = {shlex.quote(PY)} sut.py\n",
            "features/linked.feature": LINKED_FEATURE,
            "sut.py": LINKED_SYSTEM,
            "elsewhere/current/app.log": "login hunter2-secret\n",
            "logs/old.log": "nothing here\n",
            "samples/good.txt": "v1\n",
            "more/bad.txt": "bad sample\n",
            "fifo-samples/good.txt": "v1\n",
            "loop-logs/app.log": "clean\n",
        },
    )
    (pytester.path / "logs" / "current").symlink_to(pytester.path / "elsewhere" / "current")
    (pytester.path / "samples" / "linked").symlink_to(pytester.path / "more")
    (pytester.path / "loop-logs" / "again").symlink_to(pytester.path / "loop-logs")
    os.mkfifo(pytester.path / "fifo-samples" / "pipe")
    os.mkfifo(pytester.path / "pipe.txt")
    result, reqs = run_by_id(pytester, "-p", "no:cacheprovider")
    assert statuses(reqs) == {"L-1": "failing", "L-2": "failing", "L-3": "error", "L-4": "verified", "L-5": "error"}, (
        result.stdout.str()
    )
    assert "logs/current/app.log" in reqs["L-1"]["message"]
    assert "fifo-samples/pipe" in reqs["L-3"]["message"]
    assert "not a regular file" in reqs["L-5"]["message"]


# -- what systems print reaches no terminal raw and no CI log at column 0 -----------------------

NOISY_SYSTEM = r"""
import sys
sys.stdout.write("\x1b]0;pwned\x07\x1b[31mred\x1b[0m\n::error::forged\n::add-mask::x\n")
sys.stderr.write("\x1b[2J::warning::also\n")
sys.exit(3)
"""
NOISY_FEATURE = """\
Feature: noisy
  @N-1
  Scenario: see https://evil.example, www.evil.example and me@evil.example
    When I run the system with arguments "x"
    Then the exit status is 0
"""


@pytest.mark.parametrize("tb", ["auto", "long", "short", "line", "native", "no"])
def test_system_output_is_escaped_and_indented_everywhere(
    pytester: pytest.Pytester, tb: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    from tests.helpers import write_files

    write_files(
        pytester.path,
        {
            "conftest.py": STEPS_CONFTEST,
            "pytest.ini": f"[pytest]\nchecklist_features = features\nchecklist_system = {shlex.quote(PY)} sut.py\n",
            "features/noisy.feature": NOISY_FEATURE,
            "sut.py": NOISY_SYSTEM,
        },
    )
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = pytester.runpytest_subprocess(f"--tb={tb}", "-rA", "-p", "no:cacheprovider", "--checklist-md=c.md")
    assert result.ret == 1
    out = result.stdout.str() + result.stderr.str()
    assert "\x1b" not in out and "\x07" not in out
    assert not [line for line in out.splitlines() if line.startswith("::")], out
    if tb == "long":
        assert "\\x1b]0;pwned" in out  # shown, escaped
        text = summary.read_text()
        assert "https://evil" not in text and "www.evil" not in text and "me@evil" not in text
        assert "https\\://evil" in text and "www\\.evil" in text and "me\\@evil" in text


def test_snippets_quote_every_name(tmp_path: Path) -> None:
    from tests.helpers import write_files

    name = "a\nimport os; os.system('touch pwned')  # .feature"
    write_files(
        tmp_path,
        {
            f"features/{name}": "Feature: f\n  @S-1\n  Scenario: s\n    Given a step nobody wrote\n",
            "pytest.ini": "[pytest]\nchecklist_features = features\n",
        },
    )
    code, output = _run(tmp_path, PY, "-m", "living_checklist", "snippets")
    assert code == 0, output
    compile(output, "snippets", "exec")  # the output is Python
    assert not [line for line in output.splitlines() if line.startswith("import os")], output
    assert "a\\nimport os" in output


def test_a_truncated_repr_of_a_url_with_a_password_is_masked() -> None:
    """pytest's saferepr cuts a long value in the middle (``...``), which can take the ``@`` away:
    under ``--tb=long`` an argument's repr showed ``http://admin:s3cretpw...``."""
    assert redact_text("url='http://admin:s3cretpw...ombine AUTH'") == "url='http://admin:***...ombine AUTH'"
    assert redact_text("http://host:8080...") == "http://host:8080..."  # a port stays
    assert redact_text("http://example.com...") == "http://example.com..."


@given(
    st.lists(
        st.sampled_from(["pass", "PWD", "Token", "secret", "KEY", "credential", "Auth", "=", ": ", " ", "x1", "ſ", "K"])
        | st.text(max_size=8),
        max_size=8,
    ).map("".join)
)
def test_the_fast_hint_finds_what_the_secret_names_regex_finds(text: str) -> None:
    """The substring pre-check masks exactly what the case-insensitive regex alone would."""
    from living_checklist.core import redact

    assert redact._hinted(text, text.lower()) == (redact._HINT.search(text) is not None)

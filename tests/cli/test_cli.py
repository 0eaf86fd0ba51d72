"""`orch` as a user meets it: exit codes, pipes, one-shot answers, the global options.

Tests run the installed entry point in a subprocess (`run_orch`) or a
pseudo-terminal (pexpect), inside the isolated world of conftest.py: no
config, no keys, no vault, unless the test makes them. The many variants of
one command run `app.cli.main` in this process (`run_main`) to save the
interpreter's start-up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from app import __version__
from tests.support.config_files import write_config

# --- basics and exit codes ------------------------------------------------------------------


def test_version(run_orch):
    rc, out, err = run_orch("--version")
    assert (rc, out, err) == (0, f"orch {__version__}\n", "")
    assert run_orch("--no-color", "--version")[:2] == (0, f"orch {__version__}\n")


def test_python_dash_m_app_is_the_same_entry_point(orch_env):
    done = subprocess.run(
        [sys.executable, "-m", "app", "-m", "echo", "same"],
        check=False,
        capture_output=True,
        env=orch_env(),
        stdin=subprocess.DEVNULL,
    )
    assert (done.returncode, done.stdout) == (0, b"same\n")


@pytest.mark.parametrize("args", [("--version",), ("models",)])
def test_light_paths_import_nothing_heavy(orch_env, vault, args):
    """`orch --version` and `orch models` (even with a locked vault about) stay off the heavy imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app", *args],
        check=False,
        capture_output=True,
        text=True,
        env=orch_env(),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "app.cli" in imported
    heavy = sorted(m for m in imported if m.split(".")[0] in ("httpx", "cryptography", "jinja2") or m == "rich.markdown")
    assert heavy == []
    if args == ("--version",):
        assert not {"pydantic", "yaml", "rich", "argparse"} & imported


def test_help(run_main):
    rc, out, _ = run_main("--help")
    assert rc == 0
    assert "usage: orch" in out and "orch vault" in out and "--no-color" in out


def test_bad_flag_is_a_usage_error(run_orch):
    rc, out, err = run_orch("--frobnicate")
    assert rc == 2 and out == ""
    assert "unrecognized arguments: --frobnicate" in err


def test_echo_works_with_no_config_and_no_keys(run_orch, world):
    assert list(world.home.iterdir()) == [] and not (world.cwd / "config.yaml").exists()
    rc, out, err = run_orch("-m", "echo", "hi", "there")
    assert (rc, out, err) == (0, "hi there\n", "")
    # The shipped default model is echo too.
    assert run_orch("hello")[:3] == (0, "hello\n", "")
    assert not world.vault_path.exists()  # nothing asked for or created a vault


def test_stdin_is_appended_to_the_prompt(run_orch):
    rc, out, _ = run_orch("-m", "echo", "summarize:", stdin="line one\nline two\n")
    assert rc == 0
    assert out == "summarize:\n\nline one\nline two\n"


def test_stdin_alone_is_the_prompt(run_orch):
    assert run_orch("-m", "echo", stdin="just stdin")[:2] == (0, "just stdin\n")


def test_no_prompt_without_a_terminal_is_a_usage_error(run_orch):
    rc, out, err = run_orch(stdin="")
    assert rc == 2 and out == ""
    assert "no prompt given" in err


def test_unknown_model_suggests_and_exits_2(run_orch):
    rc, out, err = run_orch("-m", "ecko", "hi")
    assert rc == 2 and out == ""
    assert err.startswith("orch: unknown model 'ecko'")
    assert "Did you mean echo" in err


@pytest.mark.parametrize(
    ("option", "message"),
    [("temperature", "is not KEY=VALUE"), ("temperature=9", "invalid option"), ("colour=red", "unknown option")],
)
def test_bad_model_options_exit_2_before_any_output(run_main, option, message):
    rc, out, err = run_main("-m", "echo", "-o", option, "hi")
    assert rc == 2 and out == ""
    assert message in err


def test_a_missing_key_exits_1_and_says_how_to_add_one(run_orch):
    rc, out, err = run_orch("-m", "gpt-5", "hi")
    assert rc == 1 and out == ""
    assert "no API key for openai" in err
    assert "orch vault set openai" in err and "OPENAI_API_KEY" in err
    assert len(err.strip().splitlines()) <= 2


def test_a_locked_vault_without_a_terminal_exits_1(run_orch, vault):
    rc, _, err = run_orch("-m", "gpt-5", "hi")
    assert rc == 1
    assert "ORCH_VAULT_PASSWORD" in err


def test_a_broken_config_exits_2_with_file_and_line(run_orch, world):
    write_config(world.cwd / ".orch", "default_model: echo\ncolour: red\n")
    rc, out, err = run_orch("-m", "echo", "hi")
    assert rc == 2 and out == ""
    assert "config.yaml:2: unknown key 'colour'" in err
    assert "Traceback" not in err


def test_config_from_flag_and_env(run_main, world):
    bad = write_config(world.root / "elsewhere", "default_model: [echo\n")
    for how in (("--config", str(bad)), ()):
        rc, _, err = run_main(*how, "-m", "echo", "hi", env={"ORCH_CONFIG": str(bad)} if not how else None)
        assert rc == 2 and f"{bad}:" in err and "YAML syntax error" in err
    rc, _, err = run_main("--config", str(world.root / "missing.yaml"), "hi")
    assert rc == 2 and "config file not found" in err


def test_interrupt_exits_130(orch_command, orch_env):
    words = " ".join(f"w{i}" for i in range(400))
    child = subprocess.Popen(
        [*orch_command, "-m", "echo-slow", words],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=orch_env(),
        start_new_session=True,
    )
    try:
        first = os.read(child.stdout.fileno(), 64)  # the answer has begun
        assert first.startswith(b"w0")
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130
    assert b"Traceback" not in err
    assert len(first + out) < len(words)  # it stopped early


def test_a_reader_that_goes_away_is_not_an_error(orch_command, orch_env):
    """`orch ... | head`: the answer stops quietly, exit 0, nothing on stderr."""
    child = subprocess.Popen(
        [*orch_command, "-m", "echo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=orch_env(),
        start_new_session=True,
    )
    child.stdin.write(("word " * 300_000).encode())
    child.stdin.close()
    assert child.stdout.read(100).startswith(b"word word")
    child.stdout.close()
    err = child.stderr.read()
    assert child.wait(timeout=60) == 0
    assert err == b""


@pytest.mark.parametrize("args", [("models",), ("-m", "echo", "hi"), ("vault", "status"), ("config", "check")])
def test_a_reader_gone_before_anything_is_written_is_not_an_error(orch_command, orch_env, args):
    """`orch models | head -1` exits 0 like a one-shot answer: stdout is a pipe nobody reads any more."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write fails: EPIPE
    try:
        done = subprocess.run(
            [*orch_command, *args],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=orch_env(),
            timeout=60,
            start_new_session=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, b"")


def test_double_dash_makes_a_command_word_a_prompt(run_main):
    assert run_main("-m", "echo", "--", "models")[:2] == (0, "models\n")


@pytest.mark.parametrize("where", ["before", "after"])
def test_home_flag_places_the_vault(run_main, world, where):
    home = world.root / "other-home"
    args = ("--home", str(home), "vault", "status") if where == "before" else ("vault", "status", "--home", str(home))
    rc, out, _ = run_main(*args)
    assert rc == 0 and f"no vault at {home / 'vault.enc'}" in out

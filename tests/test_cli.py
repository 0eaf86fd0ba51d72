"""`orch` as a user meets it: exit codes, pipes, colours, the vault commands, secrets.

Tests run the installed entry point in a subprocess (`run_orch`) or a
pseudo-terminal (pexpect), inside the isolated world of conftest.py: no
config, no keys, no vault, unless the test makes them. The many variants of
one command run `app.cli.main` in this process (`run_main`) to save the
interpreter's start-up.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pexpect
import pytest

from app import __version__
from app.vault import Vault, mask

PASSWORD = "vault-pass-Quartz9"
SECRET = "sk-proj-ORCHTESTSECRET-5d1e8b7a3c9f2e60"
SECRET_CORE = "ORCHTESTSECRET"  # any fragment long enough to recognise the secret
ANSI = re.compile(r"\x1b\[")


def no_leak(*outputs: str) -> None:
    for text in outputs:
        assert SECRET_CORE not in text, text
        assert PASSWORD not in text, text


@pytest.fixture
def vault(world, make_vault) -> Vault:
    """A vault in ORCH_HOME holding SECRET under `openai` (fast KDF parameters, read from the file)."""
    return make_vault(world.vault_path, PASSWORD, {"openai": SECRET})


UNLOCK = {"ORCH_VAULT_PASSWORD": PASSWORD}


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


def test_a_broken_config_exits_2_with_file_and_line(run_orch, world, write):
    write(world.cwd / ".orch" / "config.yaml", "default_model: echo\ncolour: red\n")
    rc, out, err = run_orch("-m", "echo", "hi")
    assert rc == 2 and out == ""
    assert "config.yaml:2: unknown key 'colour'" in err
    assert "Traceback" not in err


def test_config_from_flag_and_env(run_main, world, write):
    bad = write(world.root / "elsewhere" / "config.yaml", "default_model: [echo\n")
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


# --- orch models ------------------------------------------------------------------------------


def test_models_with_nothing_configured(run_orch):
    rc, out, err = run_orch("models")
    assert rc == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "none needed" in rows["echo"] and "*" in rows["echo"]
    assert "missing" in rows["gpt-5"]
    assert "claude-sonnet-4-5" in rows["sonnet"]  # ids are not cut short in a pipe
    assert "orch vault init" in out and "orch vault set" in out
    assert not ANSI.search(out)


def test_models_never_asks_for_the_password_when_nothing_needs_it(run_orch, vault):
    # No terminal to ask on: asking would fail with exit 1.
    rc, out, err = run_orch("models")
    assert rc == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "locked" in rows["gpt-5"]
    assert "none needed" in rows["echo"]


def test_models_tells_where_each_key_is(run_main, vault):
    rc, out, _ = run_main("models", env={**UNLOCK, "ANTHROPIC_API_KEY": "sk-ant-env-key-0000000000"})
    assert rc == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "vault" in rows["gpt-5"]
    assert "env" in rows["sonnet"]
    assert "missing" in rows["gemini-pro"]
    assert "No keys yet" not in out
    no_leak(out)


def test_models_with_an_empty_vault_says_how_to_add_a_key(run_main, world, make_vault):
    make_vault(world.vault_path, PASSWORD)
    rc, out, _ = run_main("models", env=UNLOCK)
    assert rc == 0
    assert "No keys yet. Add one: `orch vault set openai`" in out
    assert "vault init" not in out


def test_models_with_a_key_in_the_env_does_not_say_no_keys(run_main):
    rc, out, _ = run_main("models", env={"OPENAI_API_KEY": "sk-env-key-0000000000000"})
    assert rc == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "env" in rows["gpt-5"]
    assert "No keys yet" not in out


def _pty(orch_command, orch_env, *args, env=None):
    log = io.StringIO()
    child = pexpect.spawn(
        orch_command[0], [*orch_command[1:], *args], env=orch_env(env), encoding="utf-8", timeout=60, dimensions=(40, 200)
    )
    child.logfile_read = log
    return child, log


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [((), None, True), ((), {"NO_COLOR": "1"}, False), (("--no-color",), None, False)],
)
def test_colours_on_a_terminal_unless_no_color(orch_command, orch_env, vault, args, env, coloured):
    child, log = _pty(orch_command, orch_env, *args, "models", env=env)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    out = log.getvalue()
    assert "gpt-5" in out
    assert "password:" not in out.lower()  # a terminal is there, and still nothing is asked
    assert bool(ANSI.search(out)) is coloured


# --- orch config check ------------------------------------------------------------------------


def test_config_check_ok(run_main):
    rc, out, err = run_main("config", "check")
    assert rc == 0, out + err
    assert re.search(r"^ok: \d+ providers, \d+ models, \d+ chains$", out, re.MULTILINE)


def test_config_check_prints_every_problem_and_exits_2(run_orch, world, write):
    config = write(
        world.cwd / "config.yaml",
        "default_model: sonet\ncolour: red\nproviders:\n  echo: {kind: echo}\n  anthropic: {kind: anthropic}\n",
    )
    models = write(
        world.cwd / "models.yaml",
        "models:\n"
        "  - {name: echo, provider: echo, id: echo}\n"
        "  - {name: sonnet, provider: antropic, id: claude-sonnet-4-5}\n"
        "  - {name: fast, provider: echo, id: echo, aliases: [echo]}\n",
    )
    rc, out, err = run_orch("--config", "config.yaml", "config", "check")
    assert rc == 2, err
    lines = out.splitlines()
    assert "config.yaml:2: unknown key 'colour'" in lines
    assert "config.yaml:1: default_model 'sonet' is not in models.yaml (did you mean 'sonnet'?)" in lines
    assert "models.yaml:3: model 'sonnet' names unknown provider 'antropic'; did you mean 'anthropic'?" in lines
    assert "models.yaml:4: 'echo' is already used by the model at line 2" in lines
    assert "4 problems found" in lines
    assert config.name in out and models.name in out


# --- orch vault -------------------------------------------------------------------------------


def test_vault_init_with_the_real_kdf_parameters(run_orch, world):
    rc, out, err = run_orch("vault", "init", env=UNLOCK)
    assert rc == 0, err
    assert str(world.vault_path) in out
    assert stat.S_IMODE(world.vault_path.stat().st_mode) == 0o600
    kdf = json.loads(world.vault_path.read_bytes())["kdf"]
    assert (kdf["memory_kib"], kdf["iterations"], kdf["lanes"]) == (65536, 3, 4)
    rc, out, _ = run_orch("vault", "status")
    assert rc == 0
    assert "m=65536 KiB t=3 p=4" in out
    # And the vault it made opens with the password it was given.
    rc, out, err = run_orch("vault", "list", env=UNLOCK)
    assert rc == 0 and "empty" in out, err


def test_vault_init_twice_is_refused(run_main, vault):
    before = vault.path.read_bytes()
    rc, _, err = run_main("vault", "init", env={"ORCH_VAULT_PASSWORD": "some other password"})
    assert rc == 1
    assert "already exists" in err and "orch vault passwd" in err
    assert vault.path.read_bytes() == before


def test_a_short_password_is_refused(run_main, world):
    rc, _, err = run_main("vault", "init", env={"ORCH_VAULT_PASSWORD": "short"})
    assert rc == 2
    assert "at least 8 characters" in err
    assert not world.vault_path.exists()


def test_set_list_remove(run_main, world, vault):
    rc, out, err = run_main("vault", "set", "gemini", env=UNLOCK, stdin="AIzaSy-gemini-ORCHTESTSECRET-777\n")
    assert rc == 0, err
    assert out == f"stored gemini ({mask('AIzaSy-gemini-ORCHTESTSECRET-777')})\n"
    assert dict(Vault(world.vault_path).unlock(PASSWORD))["gemini"] == "AIzaSy-gemini-ORCHTESTSECRET-777"

    rc, out, _ = run_main("vault", "list", env=UNLOCK)
    assert rc == 0
    assert out.splitlines() == [f"gemini\t{mask('AIzaSy-gemini-ORCHTESTSECRET-777')}", f"openai\t{mask(SECRET)}"]

    assert run_main("vault", "remove", "gemini", env=UNLOCK)[:2] == (0, "removed gemini\n")
    assert set(Vault(world.vault_path).unlock(PASSWORD)) == {"openai"}

    before = world.vault_path.read_bytes()
    rc, _, err = run_main("vault", "remove", "gemini", env=UNLOCK)
    assert rc == 2 and "no secret named 'gemini'" in err
    assert world.vault_path.read_bytes() == before
    no_leak(out, err)


@pytest.mark.parametrize(
    ("args", "stdin"),
    [(("vault", "set", "openai"), "sk-new-value-000000000000"), (("vault", "list"), None), (("vault", "remove", "openai"), None)],
)
def test_a_wrong_password_exits_2_and_changes_no_byte(run_main, vault, args, stdin):
    before = vault.path.read_bytes()
    backup = vault.backup_path.read_bytes()
    rc, out, err = run_main(*args, env={"ORCH_VAULT_PASSWORD": "wrong password!"}, stdin=stdin)
    assert rc == 2
    assert "wrong vault password" in err
    assert vault.path.read_bytes() == before and vault.backup_path.read_bytes() == backup
    no_leak(out, err)


@pytest.mark.parametrize(
    ("name", "stdin", "message"),
    [("openai", "   \n", "no value given"), ("bad name!", "x", "not a valid secret name")],
)
def test_set_refuses_bad_input_and_changes_nothing(run_main, vault, name, stdin, message):
    before = vault.path.read_bytes()
    rc, _, err = run_main("vault", "set", name, env=UNLOCK, stdin=stdin)
    assert rc == 2 and message in err
    assert vault.path.read_bytes() == before


@pytest.mark.parametrize("args", [("vault", "set", "openai"), ("vault", "list"), ("vault", "remove", "x"), ("vault", "passwd")])
def test_commands_on_a_missing_vault_say_how_to_make_one(run_main, world, args):
    rc, _, err = run_main(*args, env=UNLOCK, stdin="value")
    assert rc == 1
    assert "no vault at" in err and "orch vault init" in err
    assert not world.vault_path.exists()


def test_status_without_a_vault(run_main):
    rc, out, _ = run_main("vault", "status")
    assert rc == 0 and "no vault" in out and "orch vault init" in out


def test_passwd_from_the_environment(run_main, world, vault):
    env = {"ORCH_VAULT_OLD_PASSWORD": PASSWORD, "ORCH_VAULT_PASSWORD": "the new password"}
    rc, out, err = run_main("vault", "passwd", env=env)
    assert (rc, out) == (0, "vault password changed\n"), err
    assert dict(Vault(world.vault_path).unlock("the new password")) == {"openai": SECRET}
    rc, _, err = run_main("vault", "list", env=UNLOCK)
    assert rc == 2 and "wrong vault password" in err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [("not the old one", "the new password", "wrong vault password"), (PASSWORD, "short", "at least 8")],
)
def test_passwd_refusals_change_no_byte(run_main, vault, old, new, message):
    before = vault.path.read_bytes()
    rc, _, err = run_main("vault", "passwd", env={"ORCH_VAULT_OLD_PASSWORD": old, "ORCH_VAULT_PASSWORD": new})
    assert rc == 2 and message in err
    assert vault.path.read_bytes() == before


def test_a_modified_vault_is_reported_and_left_untouched(run_main, vault):
    document = json.loads(vault.path.read_bytes())
    token = document["token"]
    document["token"] = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    vault.path.write_text(json.dumps(document))
    modified = vault.path.read_bytes()
    for args, stdin in ((("vault", "list"), None), (("vault", "set", "groq"), "gsk-value-123456789")):
        rc, out, err = run_main(*args, env=UNLOCK, stdin=stdin)
        assert rc == 1
        assert "vault.enc is corrupt or was modified" in err
        assert "Traceback" not in err
        assert vault.path.read_bytes() == modified
    no_leak(out, err)


def test_a_truncated_vault_is_reported(run_main, vault):
    vault.path.write_bytes(vault.path.read_bytes()[:100])
    rc, _, err = run_main("vault", "list", env=UNLOCK)
    assert rc == 1 and "corrupt or was modified" in err


# --- a hidden prompt in a real terminal --------------------------------------------------------


def test_vault_init_in_a_terminal_hides_the_password(orch_command, orch_env, world):
    typed = "Tty-Typed-Passw0rd"
    child, log = _pty(orch_command, orch_env, "vault", "init")
    child.expect("New vault password: ")
    child.sendline(typed)
    child.expect("Repeat it: ")
    child.sendline(typed)
    child.expect("created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert typed not in log.getvalue()
    assert dict(Vault(world.vault_path).unlock(typed)) == {}  # real default KDF parameters


def test_vault_set_in_a_terminal_hides_password_and_secret(orch_command, orch_env, vault):
    child, log = _pty(orch_command, orch_env, "vault", "set", "openai")
    child.expect("Vault password: ")
    child.sendline(PASSWORD)
    child.expect("Value for openai: ")
    child.sendline("sk-typed-ORCHTESTSECRET-abcdef123456")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "stored openai (sk-…3456)" in log.getvalue()
    no_leak(log.getvalue())
    assert vault.unlock(PASSWORD)["openai"] == "sk-typed-ORCHTESTSECRET-abcdef123456"


def test_vault_init_in_a_terminal_refuses_different_passwords(orch_command, orch_env, world):
    child, _ = _pty(orch_command, orch_env, "vault", "init")
    child.expect("New vault password: ")
    child.sendline("first password")
    child.expect("Repeat it: ")
    child.sendline("second password")
    child.expect("differ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert not world.vault_path.exists()


def test_ctrl_d_at_a_password_prompt_is_not_a_crash(orch_command, orch_env, world):
    child, log = _pty(orch_command, orch_env, "vault", "init")
    child.expect("New vault password: ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "nothing was entered" in log.getvalue() and "internal error" not in log.getvalue()
    assert not world.vault_path.exists()


# --- no secret in anything orch prints ---------------------------------------------------------


class FakeOpenAI(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint: answers "pong" to the right key, else a 401 quoting the key."""

    expected_key = SECRET
    seen: ClassVar[list[str]] = []  # each fixture gives its subclass a fresh list

    def do_POST(self):  # the stdlib's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        self.seen.append(auth)
        if auth == f"Bearer {self.expected_key}":
            chunks = [
                {"choices": [{"index": 0, "delta": {"content": "pong"}}]},
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            ]
            body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
            self._send(200, "text/event-stream", body)
        else:
            given = auth.removeprefix("Bearer ")
            error = {"error": {"message": f"Incorrect API key provided: {given}", "type": "invalid_request_error"}}
            self._send(401, "application/json", json.dumps(error))

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_openai(world, write):
    handler = type("Handler", (FakeOpenAI,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    write(
        world.cwd / ".orch" / "config.yaml",
        "default_model: echo\n"
        "network: {max_retries: 0, timeout_s: 20}\n"
        "providers:\n"
        "  echo: {kind: echo}\n"
        f"  local: {{kind: openai, base_url: '{base}', key: {{vault: openai, env: OPENAI_API_KEY}}}}\n",
    )
    write(
        world.cwd / ".orch" / "models.yaml",
        "models:\n  - {name: echo, provider: echo, id: echo}\n  - {name: loc, provider: local, id: test-model}\n",
    )
    yield handler
    server.shutdown()
    server.server_close()


def test_the_vault_key_reaches_the_provider_and_not_the_screen(run_orch, vault, fake_openai):
    rc, out, err = run_orch("-m", "loc", "ping", env=UNLOCK)
    assert (rc, out) == (0, "pong\n"), err
    assert fake_openai.seen == [f"Bearer {SECRET}"]
    no_leak(out, err)


def test_a_rejected_key_quoted_back_by_the_service_is_not_printed(run_orch, world, make_vault, fake_openai):
    rejected = "sk-proj-REJECTED-ORCHTESTSECRET-00aa11bb"
    make_vault(world.vault_path, PASSWORD, {"openai": rejected})
    rc, out, err = run_orch("-m", "loc", "ping", env=UNLOCK)
    assert rc == 1
    assert "rejected the API key" in err
    assert fake_openai.seen == [f"Bearer {rejected}"]
    no_leak(out, err)


def test_no_secret_in_anything_orch_prints(run_orch, world, make_vault, fake_openai):
    env_secret = "sk-ant-env-ORCHTESTSECRET-99887766"
    make_vault(world.vault_path, PASSWORD)  # `vault init` itself is tested above, with the slow real KDF
    runs = [
        (("vault", "set", "openai"), UNLOCK, SECRET + "\n"),
        (("vault", "set", "anthropic"), UNLOCK, env_secret),
        (("vault", "list"), UNLOCK, None),
        (("vault", "status"), {}, None),
        (("models",), UNLOCK, None),
        (("models",), {"ANTHROPIC_API_KEY": env_secret}, None),
        (("-m", "echo", "hello"), UNLOCK, None),
        (("-m", "loc", "ping"), UNLOCK, None),
        (("config", "check"), UNLOCK, None),
        (("vault", "list"), {"ORCH_VAULT_PASSWORD": "not the password"}, None),
        (("vault", "set", "openai"), {"ORCH_VAULT_PASSWORD": "not the password"}, SECRET),
        (("vault", "passwd"), {"ORCH_VAULT_OLD_PASSWORD": PASSWORD, "ORCH_VAULT_PASSWORD": "Another-Passw0rd"}, None),
    ]
    printed = []
    for args, env, stdin in runs:
        rc, out, err = run_orch(*args, env=env, stdin=stdin)
        printed.append((args, rc, out + err))
        no_leak(out, err)
        assert env_secret not in out + err
    codes = [rc for _, rc, _ in printed]
    assert codes == [0] * 9 + [2, 2, 0]  # the key was really used, the wrong password refused
    listing = next(text for args, _, text in printed if args == ("vault", "list"))
    assert mask(SECRET) in listing and mask(env_secret) in listing
    assert SECRET.encode() not in world.vault_path.read_bytes()

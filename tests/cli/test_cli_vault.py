"""`orch vault …`: the vault's upkeep, hidden prompts, and no secret in anything orch prints."""

from __future__ import annotations

import json
import stat

import pexpect
import pytest

from app.vault import Vault, mask
from tests.support.cli import PASSWORD, SECRET, UNLOCK, no_leak, spawn_orch
from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer, Reply, ServedRequest, stream_reply

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
    assert rc == 2  # a usage error (issue 10): the command cannot apply here
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
    child, log = spawn_orch(orch_command, orch_env, "vault", "init")
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
    child, log = spawn_orch(orch_command, orch_env, "vault", "set", "openai")
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
    child, _ = spawn_orch(orch_command, orch_env, "vault", "init")
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
    child, log = spawn_orch(orch_command, orch_env, "vault", "init")
    child.expect("New vault password: ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "nothing was entered" in log.getvalue() and "internal error" not in log.getvalue()
    assert not world.vault_path.exists()


# --- no secret in anything orch prints ---------------------------------------------------------


def pong_to_the_right_key(request: ServedRequest) -> Reply:
    """An OpenAI-compatible endpoint: answers "pong" to the right key, else a 401 quoting the key."""
    auth = request.headers.get("authorization", "")
    if auth == f"Bearer {SECRET}":
        return stream_reply("openai", "pong")
    given = auth.removeprefix("Bearer ")
    error = {"error": {"message": f"Incorrect API key provided: {given}", "type": "invalid_request_error"}}
    return Reply.json(401, error)


def keys_seen(server: LLMServer) -> list[str]:
    """The Authorization header of each request the server received."""
    return [request.headers.get("authorization", "") for request in server.requests]


@pytest.fixture
def fake_openai(world, llm_server: LLMServer) -> LLMServer:
    llm_server.default = pong_to_the_right_key
    base = llm_server.base_url("openai")
    write_config(
        world.cwd / ".orch",
        "default_model: echo\n"
        "network: {max_retries: 0, timeout_s: 20}\n"
        "providers:\n"
        "  echo: {kind: echo}\n"
        f"  local: {{kind: openai, base_url: '{base}', key: {{vault: openai, env: OPENAI_API_KEY}}}}\n",
        "models:\n  - {name: echo, provider: echo, id: echo}\n  - {name: loc, provider: local, id: test-model}\n",
    )
    return llm_server


def test_the_vault_key_reaches_the_provider_and_not_the_screen(run_orch, vault, fake_openai):
    rc, out, err = run_orch("-m", "loc", "ping", env=UNLOCK)
    assert (rc, out) == (0, "pong\n"), err
    assert keys_seen(fake_openai) == [f"Bearer {SECRET}"]
    no_leak(out, err)


def test_a_rejected_key_quoted_back_by_the_service_is_not_printed(run_orch, world, make_vault, fake_openai):
    rejected = "sk-proj-REJECTED-ORCHTESTSECRET-00aa11bb"
    make_vault(world.vault_path, PASSWORD, {"openai": rejected})
    rc, out, err = run_orch("-m", "loc", "ping", env=UNLOCK)
    assert rc == 1
    assert "rejected the API key" in err
    assert keys_seen(fake_openai) == [f"Bearer {rejected}"]
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

"""`orch models --refresh`: the models a server serves beside models.yaml's, against the loopback server."""

from __future__ import annotations

from pathlib import Path

from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer, Reply, free_port

KEY = "sk-local-0123456789abcdef"


def config_for(folder: Path, *urls: str, key_env: str | None = None) -> Path:
    providers = {}
    for i, url in enumerate(urls):
        provider = {"kind": "openai", "base_url": url}
        if key_env:
            provider["key"] = {"env": key_env}
        providers[f"local{i or ''}"] = provider
    models = [{"name": "llama", "provider": "local", "id": "llama3.2:latest"}]
    return write_config(folder, {"default_model": "llama", "providers": providers}, models)


def test_served_models_are_shown_beside_the_configured_ones(run_main, world, llm_server: LLMServer) -> None:
    llm_server.served_models = ["qwen2.5:7b", "llama3.2:latest"]
    config = config_for(world.root, llm_server.base_url("openai"))
    rc, out, err = run_main("--config", str(config), "models", "--refresh")

    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert "local\tllama3.2:latest\tconfigured as llama" in lines
    assert "local\tqwen2.5:7b\tnot configured" in lines
    assert "To use one, add to models.yaml: - {name: qwen2.5-7b, provider: local, id: qwen2.5:7b}" in lines
    assert [(r.method, r.path) for r in llm_server.requests] == [("GET", "/v1/models")]


def test_the_key_goes_in_the_header_and_is_never_printed(run_main, world, llm_server: LLMServer) -> None:
    llm_server.served_models = ["m1"]
    config = config_for(world.root, llm_server.base_url("openai"), key_env="LOCAL_KEY")
    rc, out, err = run_main("--config", str(config), "models", "--refresh", env={"LOCAL_KEY": KEY})
    assert rc == 0
    assert llm_server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in out + err


def test_a_server_that_is_down_is_one_line_and_the_others_are_still_listed(run_main, world,
                                                                           llm_server: LLMServer) -> None:  # fmt: skip
    llm_server.served_models = ["m1"]
    down = f"http://127.0.0.1:{free_port()}/v1"
    config = config_for(world.root, down, llm_server.base_url("openai"))
    rc, out, err = run_main("--config", str(config), "models", "--refresh")

    assert rc == 0 and err == ""
    failures = [line for line in out.splitlines() if "cannot connect" in line]
    assert len(failures) == 1 and "local" in failures[0] and "127.0.0.1" in failures[0]
    assert "local1\tm1\tnot configured" in out.splitlines()


def test_a_server_answering_garbage_is_one_line(run_main, world, llm_server: LLMServer) -> None:
    llm_server.script(Reply(200, {"content-type": "text/html"}, b"<html>not a list</html>"),
                      Reply.json(200, {"models": "nope"}))  # fmt: skip
    config = config_for(world.root, llm_server.base_url("openai"), llm_server.base_url("openai"))
    rc, out, err = run_main("--config", str(config), "models", "--refresh")
    assert rc == 0 and err == ""
    said = [line for line in out.splitlines() if "answered" in line]
    assert len(said) == 2
    assert any("not JSON" in line for line in said) and any("not a list of models" in line for line in said)


def test_an_error_status_is_one_line_quoting_the_server(run_main, world, llm_server: LLMServer) -> None:
    llm_server.script(Reply.json(401, {"error": {"message": "bad key"}}))
    config = config_for(world.root, llm_server.base_url("openai"))
    rc, out, _ = run_main("--config", str(config), "models", "--refresh")
    assert rc == 0
    assert "local answered http://127.0.0.1:" in out and "/v1/models with 401: bad key" in out


def test_a_served_id_cannot_break_the_lines_or_the_terminal(run_main, world, llm_server: LLMServer) -> None:
    llm_server.served_models = ["evil\tid\n\x1b]0;title\x07"]
    rc, out, _ = run_main("--config", str(config_for(world.root, llm_server.base_url("openai"))), "models", "--refresh")
    assert rc == 0
    assert "\x1b" not in out and "\x07" not in out
    row = next(line for line in out.splitlines() if line.startswith("local\tevil"))
    assert row.count("\t") == 2 and row.endswith("\tnot configured")


def test_without_refresh_no_server_is_asked(run_main, world, llm_server: LLMServer) -> None:
    llm_server.served_models = ["m1"]
    rc, out, _ = run_main("--config", str(config_for(world.root, llm_server.base_url("openai"))), "models")
    assert rc == 0 and "not configured" not in out
    assert llm_server.requests == []


def test_a_config_error_is_exit_2(run_main, world) -> None:
    config = write_config(world.root, {"default_model": "nope", "providers": {"x": {"kind": "bogus"}}}, [])
    rc, _, err = run_main("--config", str(config), "models", "--refresh")
    assert rc == 2 and err

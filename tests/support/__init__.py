"""Helpers shared by test suites and benchmarks, one of each: the loopback model server (llm_server, wire),
the pipe-fed REPL (pipe_repl), the config writer (config_files), the pty terminal (terminal, e2e),
cassette replay (cassettes), and the chain world (chain_world)."""

"""Helpers shared by test suites and benchmarks: a loopback model server, cassette replay."""

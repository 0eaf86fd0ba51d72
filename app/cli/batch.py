"""`orch batch MODEL|chain:NAME INPUT [-o OUT] [--concurrency N] [--provider-batch]`, and
`orch batch status|fetch|resume ID`: many inputs through a model or a chain.

OUT (stdout without `-o`) gets one JSON line per input, in input order;
progress goes to stderr. Running the same command again resumes the run;
rows that ended in `error` stay so unless `--retry-failed` sends them again.
Exit codes: 0 the run finished (failed rows included: stderr says how many),
1 it could not run, 2 a usage error, 130 interrupted (after recording).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from app.cli._subcommand import Subcommand
from app.errors import EXIT_INTERRUPTED, EXIT_OK, UsageError

if TYPE_CHECKING:
    import argparse

    from app.batch import BatchProgress, RowTarget
    from app.cli.wiring import Wiring
    from app.runtime import Runtime
    from app.store import BatchRun, BatchStore

_ACTIONS = ("status", "fetch", "resume")
_CHAIN = "chain:"


def run(args: argparse.Namespace, wiring: Wiring) -> int:
    """Run `orch batch …` as parsed into `args`; returns the exit code."""
    if args.target is None or args.input is None:
        raise UsageError("orch batch needs a target and an input",
                         "orch batch MODEL|chain:NAME INPUT.jsonl [-o OUT.jsonl], or orch batch status|fetch|resume ID")  # fmt: skip
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    store = _store(wiring)
    try:
        if args.target in _ACTIONS:
            return _act(args.target, args, wiring, store, store.batch_run(args.input))
        path = Path(args.input)
        if not path.is_file():
            raise UsageError(f"no input file {args.input}", "Give a .jsonl file (one JSON object a line) or a text file.")
        from app.batch import start_run

        mode = "provider" if args.provider_batch else "local"
        output = str(Path(args.output).resolve()) if args.output else None
        batch_run, resumed = start_run(store, args.target, path, {}, output_path=output, mode=mode)
        if mode == "provider":
            from app.cli import _provider_batch

            return _provider_batch.submit(wiring, store, batch_run, resumed)
        return _run_local(wiring, store, batch_run, args, resumed=resumed)
    finally:
        store.close()


def _act(action: str, args: argparse.Namespace, wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> int:
    if args.output:
        batch_run = store.update_batch_run(batch_run.id, output_path=str(Path(args.output).resolve()))
    if batch_run.mode == "provider":
        from app.cli import _provider_batch

        return _provider_batch.ACTIONS[action](wiring, store, batch_run)
    if action == "resume":
        return _run_local(wiring, store, batch_run, args, resumed=True)
    if action == "status":
        sys.stdout.write(status_line(store, batch_run) + "\n")
        return EXIT_OK
    with out_file(batch_run.output_path) as out:
        from app.batch import OrderedOutput

        OrderedOutput(out, 1, store.batch_lines(batch_run.id)).finish()
    return EXIT_OK


def status_line(store: BatchStore, batch_run: BatchRun, state: str | None = None) -> str:
    """`batch #3 (local, finished): 180/200 rows done, 2 failed, $0.0123 · echo over in.jsonl`."""
    done, failed, cost = store.batch_counts(batch_run.id)
    total = f"/{batch_run.total}" if batch_run.total is not None else ""
    extra = (f", {failed} failed" if failed else "") + (f", ${cost:.4f}" if cost is not None else "")
    ids = f", {batch_run.provider} batch {batch_run.provider_batch_id}" if batch_run.provider_batch_id else ""
    return (f"batch #{batch_run.id} ({batch_run.mode}{ids}, {state or batch_run.state}): {done}{total} rows done"
            f"{extra} · {batch_run.target} over {batch_run.input.path}")  # fmt: skip


def row_target(runtime: Runtime, wiring: Wiring, target: str) -> RowTarget:
    """The model or chain (`chain:NAME`) every row goes through.

    Raises:
        UsageError, ConfigError: an unknown model or chain, or a chain with problems.
    """
    from app.batch import ChainTarget, ModelTarget

    config, sources = wiring.config()
    system = config.system_prompt
    if target.startswith(_CHAIN):
        from app.chains import plan_chain

        plan = plan_chain(config, target.removeprefix(_CHAIN), sources)
        return ChainTarget(runtime, plan, runtime.model(config.default_model), system)
    return ModelTarget(runtime, runtime.model(target), system=system)


def _run_local(wiring: Wiring, store: BatchStore, batch_run: BatchRun, args: argparse.Namespace, *,
               resumed: bool) -> int:  # fmt: skip
    import asyncio

    from app.batch import Limits, LocalRunner

    runtime = wiring.runtime()
    target = row_target(runtime, wiring, batch_run.target)
    config, _ = wiring.config()
    runtime.prepare(target.models)  # every key (and the vault password) before progress is drawn
    if batch_run.state != "running":
        batch_run = store.update_batch_run(batch_run.id, state="running")
    again = ""
    if resumed:
        done, failed, _ = store.batch_counts(batch_run.id)
        retried = f", {failed} failed to send again" if args.retry_failed and failed else ""
        again = f" (resuming: {done - failed if args.retry_failed else done} done before{retried})"
    print(f"batch #{batch_run.id}: {batch_run.total} rows, {batch_run.target}{again}", file=sys.stderr)
    limits = Limits(_rate_limits(config))
    path = Path(batch_run.input.path)
    progress: BatchProgress | None = None
    with out_file(batch_run.output_path) as out, _listener(wiring) as listener:
        runner = LocalRunner(target, store, batch_run, path, limits=limits, concurrency=args.concurrency,
                             listener=listener, retry_failed=args.retry_failed)  # fmt: skip
        try:
            progress = asyncio.run(_run_then_close(runtime, runner, out))
        except KeyboardInterrupt:
            store.update_batch_run(batch_run.id, state="interrupted")
            print(f"orch: batch #{batch_run.id} interrupted; `orch batch resume {batch_run.id}` goes on",
                  file=sys.stderr)  # fmt: skip
            return EXIT_INTERRUPTED
    store.update_batch_run(batch_run.id, state="finished")
    from app.ui.batch_view import finished_line

    print(finished_line(progress, batch_run.id, batch_run.output_path), file=sys.stderr)
    return EXIT_OK


async def _run_then_close(runtime: Runtime, runner: Any, out: TextIO) -> BatchProgress:
    try:
        return await runner.run(out)
    finally:
        await runtime.aclose()


def _rate_limits(config: Any) -> dict[str, tuple[int | None, int | None]]:
    limits = {}
    for name, provider in config.providers.items():
        rate_limit = getattr(provider, "rate_limit", None)
        if rate_limit is not None:
            limits[name] = (rate_limit.rpm, rate_limit.tpm)
    return limits


@contextmanager
def out_file(path: str | None) -> Iterator[TextIO]:
    """OUT opened for writing (stdout when there is no path), closed after."""
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as out:
        yield out


def _listener(wiring: Wiring) -> Any:
    from app.ui.batch_view import batch_progress

    console = None
    if sys.stderr.isatty():
        from app.ui.style import make_console

        console = make_console(stderr=True, no_color=wiring.invocation.no_color)
    return batch_progress(console, sys.stderr)


def _store(wiring: Wiring) -> BatchStore:
    from app.store import DB_NAME, BatchStore

    return BatchStore(wiring.home / DB_NAME)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="?", metavar="MODEL|chain:NAME|status|fetch|resume",
                        help="the model or chain each input goes through; or an action on a run")  # fmt: skip
    parser.add_argument("input", nargs="?", metavar="INPUT|ID", help="a .jsonl file or a text file (one input a line); or a run id")
    parser.add_argument("-o", "--output", metavar="OUT.jsonl", help="where the results go (default: stdout)")
    parser.add_argument("--concurrency", type=int, default=8, metavar="N", help="rows at once (default 8)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="when resuming, send again the rows that ended with status error (default: keep them)")  # fmt: skip
    parser.add_argument("--provider-batch", action="store_true",
                        help="hand the rows to the provider's batch API (OpenAI, Anthropic, Gemini): about half the price")  # fmt: skip


COMMAND = Subcommand(
    "batch", "many inputs through a model or chain: orch batch MODEL|chain:NAME INPUT [-o OUT] | status|fetch|resume ID",
    add_arguments, run,
)  # fmt: skip

"""Many inputs through a model or a chain: locally, or through the providers' batch APIs.

    run, resumed = start_run(store, "sonnet", Path("in.jsonl"), options, output_path="out.jsonl")
    runner = LocalRunner(ModelTarget(runtime, model), store, run, Path("in.jsonl"), limits=limits)
    progress = await runner.run(out)          # OUT lines in input order; rows recorded as they finish

Modules: `_inputs` (the input file, read lazily), `_limits` (rpm/tpm and the
global back-off on 429), `_output` (OUT in input order through a bounded
reorder buffer), `_rows` (one row through a model or a chain), `_local` (the
runner), `_runs` (resuming the same command), `_provider_batch` with
`_openai_batch`, `_anthropic_batch` and `_gemini_batch` (the providers' batch engines).
Nothing here prints.
"""

from app.batch._inputs import BatchInput, count_rows, fingerprint, read_inputs
from app.batch._limits import Limits, RateLimiter, estimate_tokens
from app.batch._local import BatchProgress, Listener, LocalRunner
from app.batch._output import OrderedOutput
from app.batch._rows import ChainTarget, ModelTarget, Overloaded, RowTarget, failed_row
from app.batch._runs import start_run

__all__ = [
    "BatchInput",
    "BatchProgress",
    "ChainTarget",
    "Limits",
    "Listener",
    "LocalRunner",
    "ModelTarget",
    "OrderedOutput",
    "Overloaded",
    "RateLimiter",
    "RowTarget",
    "count_rows",
    "estimate_tokens",
    "failed_row",
    "fingerprint",
    "read_inputs",
    "start_run",
]

"""Start-up benchmark: how long `orch --version` and `orch models` take, and what they import.

    python bench/startup.py [--runs 20]

Prints the median wall time of each command (a fresh subprocess each run)
beside `python -c pass`, the floor no Python program can beat; checks with
`python -X importtime` that the light paths import none of rich.markdown,
httpx, cryptography or jinja2; and times one vault unlock with the default
Argon2id parameters (m=64 MiB, t=3, p=4).

Times are taken with the .pyc files in place, as after `pip install`. If
PYTHONDONTWRITEBYTECODE is set, app/ would be compiled on every run: the
byte-code then goes to a temp dir (PYTHONPYCACHEPREFIX) rather than the tree,
and the uncached figure is shown too.

Exit status: 0 when every budget holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORBIDDEN = ("rich.markdown", "httpx", "cryptography", "jinja2")
VERSION_BUDGET_S = 0.060
UNLOCK_TARGET_S = 0.15


def orch_command() -> list[str]:
    script = Path(sys.executable).with_name("orch")
    return [sys.executable, str(script)] if script.is_file() else [sys.executable, "-m", "app"]


def isolated_env(root: Path, pycache: Path | None) -> dict[str, str]:
    """No user config, keys or vault; byte-code cached in `pycache` (None: not cached at all)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ORCH_") and not name.endswith("_API_KEY") and name not in ("NO_COLOR", "FORCE_COLOR")
    }
    env.update(ORCH_HOME=str(root / "home"), XDG_CONFIG_HOME=str(root / "xdg"))
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def wall_times(commands: list[list[str]], env: dict[str, str], cwd: Path, runs: int) -> list[list[float]]:
    """Wall times of each command, `runs` rounds of one run each: interleaved, so that
    whatever else the machine is doing weighs on every command alike."""
    for argv in commands:  # warm-up: byte-code written, files in the page cache
        subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for argv, own in zip(commands, times):
            start = time.perf_counter()
            subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
            own.append(time.perf_counter() - start)
    return times


def imported_modules(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, int]:
    """Module -> cumulative import time (µs) for `python -X importtime -m app ARGS`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "app", *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    modules = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
            if cumulative.isdigit():
                modules[name] = int(cumulative)
    return modules


def forbidden_in(modules: dict[str, int]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def time_unlock(root: Path, repeats: int = 5) -> list[float]:
    from app.vault import KdfParams, Vault

    vault = Vault(root / "bench-vault" / "vault.enc")
    vault.create("benchmark password", KdfParams())
    vault.update("benchmark password", lambda s: s.update(openai="sk-" + "x" * 40))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        vault.unlock("benchmark password")
        times.append(time.perf_counter() - start)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per command (default 20)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="orch-bench-") as tmp:
        root = Path(tmp)
        for folder in ("home", "xdg", "cwd", "pycache"):
            (root / folder).mkdir()
        cwd = root / "cwd"
        cached = isolated_env(root, root / "pycache")
        uncached = isolated_env(root, None) if os.environ.get("PYTHONDONTWRITEBYTECODE") else None
        orch = orch_command()
        commands = [
            ("python -c pass (floor)", [sys.executable, "-c", "pass"]),
            ("orch --version", [*orch, "--version"]),
            ("python -m app --version", [sys.executable, "-m", "app", "--version"]),
            ("orch models", [*orch, "models"]),
        ]

        print(f"python {sys.version.split()[0]} · {args.runs} runs each · median (min) of subprocess wall time")
        header = f"{'command':<26}{'median':>11}{'min':>11}"
        if uncached:
            header += f"{'no .pyc':>13}"
        print(header)
        print("-" * len(header))
        argvs = [argv for _, argv in commands]
        timed = wall_times(argvs, cached, cwd, args.runs)
        timed_uncached = wall_times(argvs, uncached, cwd, max(5, args.runs // 2)) if uncached else None
        medians = {}
        for i, (label, _) in enumerate(commands):
            medians[label] = statistics.median(timed[i])
            row = f"{label:<26}{ms(medians[label]):>11}{ms(min(timed[i])):>11}"
            if timed_uncached:
                row += f"{ms(statistics.median(timed_uncached[i])):>13}"
            print(row)
        floor = medians["python -c pass (floor)"]
        print(f"orch --version above the floor: {ms(medians['orch --version'] - floor).strip()}")

        print()
        failures = []
        for label, cli_args in (("--version", ["--version"]), ("models", ["models"])):
            modules = imported_modules(cli_args, cached, cwd)
            bad = forbidden_in(modules)
            verdict = "none of them" if not bad else "IMPORTED: " + ", ".join(bad)
            print(f"python -X importtime -m app {label:<10} {len(modules):4d} modules; {', '.join(FORBIDDEN)}: {verdict}")
            heaviest = sorted(
                ((t, m) for m, t in modules.items() if m.startswith("app") or "." not in m), reverse=True
            )[:4]
            print("    heaviest: " + ", ".join(f"{m} {t / 1000:.0f} ms" for t, m in heaviest))
            if bad:
                failures.append(f"`orch {label}` imports {', '.join(bad)}")

        print()
        unlock = time_unlock(root)
        print(
            f"vault unlock, Argon2id m=64 MiB t=3 p=4: median {ms(statistics.median(unlock)).strip()} "
            f"(min {ms(min(unlock)).strip()}, {len(unlock)} runs; target about {UNLOCK_TARGET_S * 1000:.0f} ms)"
        )

    if medians["orch --version"] > VERSION_BUDGET_S:
        failures.append(f"orch --version takes {ms(medians['orch --version']).strip()} (budget {VERSION_BUDGET_S * 1000:.0f} ms)")
    print()
    print("budgets: " + ("all hold" if not failures else "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

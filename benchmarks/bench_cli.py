"""How fast the `benchmon` command answers when it has no work to do: `--help`, `--version`,
a command's own `--help`, and shell completion, each as a fresh process through the
installed console script — what a user (or their shell, on every TAB) waits for.

Baseline, measured in the same run: `python -c "import click"`, the least any click program
can cost. Target (the CI-path issue): `benchmon --help` within 3× of it (under one second).
No database is touched.

    python benchmarks/bench_cli.py            # 21 runs of each, medians
    python benchmarks/bench_cli.py --quick    # 3 runs of each (smoke test)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO = 3.0
BIN = Path(sys.executable).parent


def _median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(command, env=env, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr!r}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs each (smoke test)")
    runs = 3 if parser.parse_args().quick else 21
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCHMON_", "_BENCHMON"))}
    benchmon = str(BIN / "benchmon")
    baseline = _median_seconds([sys.executable, "-c", "import click"], runs, env)
    print(f"baseline: python -c 'import click'   {baseline * 1000:7.1f} ms (median of {runs})")
    cases = {
        "benchmon --help": ([benchmon, "--help"], env),
        "benchmon --version": ([benchmon, "--version"], env),
        "benchmon alerts --help": ([benchmon, "alerts", "--help"], env),
        "benchmon push --help": ([benchmon, "push", "--help"], env),
        "completion of `benchmon a<TAB>`": (
            [benchmon],
            {
                **env,
                "_BENCHMON_COMPLETE": "bash_complete",
                "COMP_WORDS": "benchmon a",
                "COMP_CWORD": "1",
            },
        ),
    }
    help_ratio = None
    for name, (command, case_env) in cases.items():
        seconds = _median_seconds(command, runs, case_env)
        ratio = seconds / baseline
        help_ratio = ratio if name == "benchmon --help" else help_ratio
        print(f"{name:36s} {seconds * 1000:7.1f} ms  {ratio:5.2f}× the baseline")
    ok = help_ratio is not None and help_ratio <= TARGET_RATIO
    print(
        f"benchmon --help: {help_ratio:.2f}× `import click` (target ≤ {TARGET_RATIO:.0f}×): "
        + ("target met" if ok else "TARGET MISSED")
    )


if __name__ == "__main__":
    main()

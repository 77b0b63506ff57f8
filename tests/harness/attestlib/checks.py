# SPDX-License-Identifier: Apache-2.0
"""Counted checks: every check prints one line; finish() sets the exit status."""
import sys

# Never rebound, only appended to: `attestlib.failures` is this same list.
failures = []


def check(cond, what):
    """Print "ok: what" or "FAIL: what" and count a failure; returns cond so that a
    caller can chain (ok &= check(...))."""
    # flush: the lines interleave with the output of the processes a test runs
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def finish():
    """Exit 1 listing the failed checks, else exit 0."""
    if failures:
        print(f"{len(failures)} check(s) failed:", *failures, sep="\n  ")
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The one exit-code table (lib/common/exit-codes.h) against what depends on it:
attestd --help and every command's --help, attestd(1), the units'
RestartPreventExitStatus=, and the exit code of a mistyped command.

Usage: check-exit-codes.py ATTESTD HEADER MANPAGE UNIT_DIR"""
import re
import subprocess
import sys

attestd, header, manpage, unit_dir = sys.argv[1:5]
fails = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        fails.append(what)


src = open(header).read()
table = {int(c): (n, t) for c, n, t in re.findall(r'X\((\d+), (\w+), "([^"]*)"\)', src)}
code = {n: c for c, (n, _) in table.items()}
check(sorted(table) == list(range(len(table))) and len(table) >= 7, f"table parsed: {table}")

want_help = "Exit codes:\n" + "".join(f"  {c}  {t}\n" for c, (_, t) in sorted(table.items()))
top = subprocess.run([attestd, "--help"], capture_output=True, text=True)
check(top.returncode == code["OK"] and want_help in top.stdout, "attestd --help lists the table")
commands = re.findall(r"^  (\S+) ", top.stdout.split("Commands:\n")[1].split("\n\n")[0], re.M)
for cmd in commands:
    if cmd == "version":
        continue
    h = subprocess.run([attestd, cmd, "--help"], capture_output=True, text=True)
    check(h.returncode == code["OK"] and want_help in h.stdout, f"attestd {cmd} --help lists it")

man = open(manpage).read().split(".SH EXIT STATUS\n")[1].split("\n.SH ")[0]
listed = {int(c): t for c, t in re.findall(r"^\.TP\n\.B (\d+)\n(.*)$", man, re.M)}
check(sorted(listed) == sorted(table), f"attestd(1) lists the codes {sorted(listed)}")
for c, (_, t) in table.items():
    check(listed.get(c, "").startswith(t), f"attestd(1) code {c}: '{t}'")

unit = open(f"{unit_dir}/attestd.service").read()
prevent = {int(v) for line in re.findall(r"^RestartPreventExitStatus=(.*)$", unit, re.M)
           for v in line.split()}
check(prevent == {code["USAGE"], code["WRONG_TPM"]},
      f"attestd.service: no restart after a configuration error or another TPM ({prevent})")
check(code["UNREACHABLE"] not in prevent, "attestd.service: restarted when unreachable")
for name in ("attest.service", "attestd.service"):
    u = open(f"{unit_dir}/{name}").read()
    for line in re.findall(r"^SuccessExitStatus=(.*)$", u, re.M):
        check(set(map(int, line.split())) <= {code["OK"]}, f"{name}: SuccessExitStatus={line}")

for argv in (["atest"], ["attest", "--frobnicate"], ["status", "extra"]):
    r = subprocess.run([attestd] + argv, capture_output=True, text=True)
    check(r.returncode == code["USAGE"] != code["UNREACHABLE"],
          f"attestd {' '.join(argv)}: exit {r.returncode}, the usage code")

sys.exit(1 if fails else 0)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""IMA interop (docs/policy.md): `policy ima generate --format keylime` obeys
every rule Keylime 7.14 enforces on a runtime policy (checked by
keylime_rules below, written from keylime/ima/ima.py's schema and
keylime/common/validators.py), our engine judges a list identically from
either format, a realistic Keylime policy loads unchanged, violations are
listed and not allowed, and ascii lists replay like the binary ones or are
refused. Real IMA lists of the corpora, read in place, and lists built here
(with their template hashes computed) for templates the corpora lack."""
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

from attestlib import corpora as lib

BINARY = "guard-oss/derived/h12ssl.values.ima.binary_runtime_measurements.xz"
BINARY_PCRS = "guard-oss/derived/h12ssl.values.pcrs.json"
ASCII = ["keylime/archive__ima__ascii_runtime_measurements",
         "keylime/archive__ima__ascii_runtime_measurements_ima",
         "guard-oss/apisrv__test__h12ssl.ascii_measurements",
         "rust-keylime/keylime__test-data__ima_log.txt",
         "keylime/test__data__create-runtime-policy__ima-log-sha256"]
# The same machine's lists in both forms: the binary one is the ascii one's first 2365 entries.
PAIR_ASCII = "guard-oss/apisrv__test__h12ssl.ascii_measurements"
PAIR_BINARY = "guard-oss/apisrv__test__h12ssl.binary_measurements"
PAIR_N = 2365

failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


# Keylime 7.14's rules for a runtime policy, one function per member.
KEYLIME_MEMBERS = ["meta", "release", "digests", "excludes", "keyrings", "ima", "ima-buf",
                   "verification-keys"]
KEYLIME_GENERATORS = range(0, 4)  # RUNTIME_POLICY_GENERATOR: Unknown .. LegacyAllowList
HEX = re.compile(r"^[0-9a-f]{40,128}$")


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def digests_object(v):
    return isinstance(v, dict) and all(
        isinstance(l, list) and len(l) >= 1 and
        all(isinstance(d, str) and HEX.search(d) for d in l) for l in v.values())


def excludes_ok(v):
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        return False
    if not v:
        return True
    try:  # validators.valid_exclude_list: the patterns joined as "(a)|(b)" compile
        re.compile("(" + ")|(".join(v) + ")")
        return True
    except re.error:
        return False


def meta_ok(v):
    return (isinstance(v, dict) and "version" in v and "generator" in v and
            is_int(v["version"]) and v["version"] >= 0 and is_int(v["generator"]) and
            v["generator"] in KEYLIME_GENERATORS and
            ("timestamp" not in v or isinstance(v["timestamp"], str)))


def ima_ok(v):
    return (isinstance(v, dict) and
            all(k in v for k in ("ignored_keyrings", "log_hash_alg", "dm_policy")) and
            isinstance(v["ignored_keyrings"], list) and
            all(isinstance(x, str) for x in v["ignored_keyrings"]) and
            v["log_hash_alg"] in ("sha1", "sha256", "sha384", "sha512") and
            v["dm_policy"] is None)


def verification_keys_ok(v):
    if not isinstance(v, str):
        return False
    if not v:
        return True
    try:  # a non-empty value is itself JSON (Keylime checks it against its keyring schema)
        return isinstance(json.loads(v), dict)
    except ValueError:
        return False


def keylime_rules(doc):
    """The rules Keylime 7.14 breaks; [] when it accepts the policy."""
    if not isinstance(doc, dict):
        return ["not an object"]
    broken = [f"{m} missing" for m in KEYLIME_MEMBERS if m not in doc]
    checks = {"meta": meta_ok, "release": lambda v: is_int(v) and v >= 0,
              "digests": digests_object, "excludes": excludes_ok, "keyrings": digests_object,
              "ima": ima_ok, "ima-buf": digests_object,
              "verification-keys": verification_keys_ok}
    broken += [m for m, ok in checks.items() if m in doc and not ok(doc[m])]
    return broken


def self_test_rules(valid):
    """Each rule refuses what breaks it, so a pass above means something."""
    expect(keylime_rules(valid) == [], "keylime_rules: accepts a valid policy")
    bad = {
        "meta missing": lambda d: d.pop("meta"),
        "release missing": lambda d: d.pop("release"),
        "keyrings missing": lambda d: d.pop("keyrings"),
        "ima-buf missing": lambda d: d.pop("ima-buf"),
        "verification-keys missing": lambda d: d.pop("verification-keys"),
        "meta.version missing": lambda d: d["meta"].pop("version"),
        "meta.generator 4": lambda d: d["meta"].update(generator=4),
        "meta.version true": lambda d: d["meta"].update(version=True),
        "release -1": lambda d: d.update(release=-1),
        "sha1: prefix": lambda d: d["digests"].update({"/x": ["sha1:" + "a" * 40]}),
        "uppercase hex": lambda d: d["digests"].update({"/x": ["A" * 40]}),
        "39 hex digits": lambda d: d["digests"].update({"/x": ["a" * 39]}),
        "129 hex digits": lambda d: d["digests"].update({"/x": ["a" * 129]}),
        "empty digest list": lambda d: d["digests"].update({"/x": []}),
        "bad exclude regex": lambda d: d.update(excludes=["(unclosed"]),
        "log_hash_alg md5": lambda d: d["ima"].update(log_hash_alg="md5"),
        "dm_policy set": lambda d: d["ima"].update(dm_policy={}),
        "ignored_keyrings not a list": lambda d: d["ima"].update(ignored_keyrings=".ima"),
        "verification-keys not JSON": lambda d: d.update({"verification-keys": "{x"}),
        "keyrings digest prefixed": lambda d: d["keyrings"].update({".ima": ["sha256:" + "b" * 64]}),
    }
    for what, f in bad.items():
        d = json.loads(json.dumps(valid))
        f(d)
        expect(keylime_rules(d) != [], f"keylime_rules: refuses {what}")


# IMA lists built here: entries (pcr, template, data) with their real template hashes.
def field(b):
    return struct.pack("<I", len(b)) + b


def ng_data(alg, digest, path, extra=None):
    d = field(alg.encode() + b":\0" + digest) + field(path.encode() + b"\0")
    return d + (field(extra) if extra is not None else b"")


def entry(template, data, violation=False):
    if template == "ima":
        digest, name = data[:20], data[24:]
        th = hashlib.sha1(digest + name.ljust(256, b"\0")).digest()
        body = data
    else:
        th = hashlib.sha1(data).digest()
        body = field(data)
    if violation:
        th = b"\0" * 20
    return struct.pack("<I", 10) + th + field(template.encode()) + body


def built_list():
    """boot_aggregate, ima-ng sha256, ima-sig, ima-buf, old ima, a violation."""
    h = lambda s: hashlib.sha256(s).digest()
    es = [entry("ima-ng", ng_data("sha256", h(b"ba"), "boot_aggregate")),
          entry("ima-ng", ng_data("sha256", h(b"sh"), "/usr/bin/sh")),
          entry("ima-ng", ng_data("sha512", hashlib.sha512(b"py").digest(), "/usr/bin/py")),
          entry("ima-sig", ng_data("sha256", h(b"ls"), "/usr/bin/ls", b"\x03\x02" + b"\x55" * 8)),
          entry("ima-sig", ng_data("sha256", h(b"cat"), "/usr/bin/with space", b"")),
          entry("ima-buf", ng_data("sha256", h(b"cmd"), "kexec-cmdline", b"root=/dev/sda")),
          entry("ima", hashlib.sha1(b"old").digest() + field(b"/sbin/init")[:4] + b"/sbin/init"),
          entry("ima-ng", ng_data("sha256", b"\0" * 32, "/var/log/journal/x.journal"),
                violation=True)]
    return b"".join(es)


def ascii_of(binary):
    """The ascii form the kernel prints for the entries entry() writes."""
    out, off = [], 0
    while off < len(binary):
        pcr, th = struct.unpack_from("<I", binary, off)[0], binary[off + 4:off + 24]
        nl = struct.unpack_from("<I", binary, off + 24)[0]
        tname = binary[off + 28:off + 28 + nl].decode()
        off += 28 + nl
        if tname == "ima":
            digest = binary[off:off + 20]
            plen = struct.unpack_from("<I", binary, off + 20)[0]
            path = binary[off + 24:off + 24 + plen].decode()
            off += 24 + plen
            out.append(f"{pcr} {th.hex()} ima {digest.hex()} {path}")
            continue
        dl = struct.unpack_from("<I", binary, off)[0]
        data, off = binary[off + 4:off + 4 + dl], off + 4 + dl
        fields, p = [], 0
        while p < len(data):
            n = struct.unpack_from("<I", data, p)[0]
            fields.append(data[p + 4:p + 4 + n])
            p += 4 + n
        alg, digest = fields[0].split(b":\0", 1)
        line = f"{pcr} {th.hex()} {tname} {alg.decode()}:{digest.hex()} {fields[1][:-1].decode()}"
        if len(fields) > 2:
            line += " " + fields[2].hex()
        out.append(line)
    return "\n".join(out) + "\n"


def main():
    corpora = lib.corpora_dir()
    tool = lib.attestctl()
    run = lambda *a: lib.run([tool, *a])

    with tempfile.TemporaryDirectory() as tmp:
        def write(name, text):
            path = os.path.join(tmp, name)
            with open(path, "wb" if isinstance(text, bytes) else "w") as f:
                f.write(text)
            return path

        def generate(lst, fmt):
            p = run("policy", "ima", "generate", lst, "--format", fmt)
            return p, write(f"{os.path.basename(lst)}.{fmt}.json", p.stdout)

        lists = [lib.materialize(corpora, BINARY, tmp), os.path.join(corpora, PAIR_BINARY)]
        # (rust-keylime's list holds only boot_aggregate: nothing to generate)
        lists += [os.path.join(corpora, a) for a in ASCII if "rust-keylime" not in a]
        built = write("built.bin", built_list())
        lists += [built, write("built.ascii", ascii_of(built_list()))]

        first = None
        for lst in lists:
            name = os.path.basename(lst)
            pk, kpath = generate(lst, "keylime")
            pa, apath = generate(lst, "attest")
            expect(pk.returncode == 0 and pa.returncode == 0, f"{name}: generate in both formats")
            if pk.returncode or pa.returncode:
                continue
            kdoc, adoc = json.loads(pk.stdout), json.loads(pa.stdout)
            broken = keylime_rules(kdoc)
            expect(broken == [], f"{name}: the keylime policy obeys Keylime 7.14's rules {broken}")
            first = first or kdoc
            expect(keylime_rules(adoc) != [], f"{name}: our format is not Keylime's (no meta)")
            expect(set(kdoc["digests"]) == set(adoc["digests"]) | {"boot_aggregate"} and
                   kdoc["violations"] == adoc["violations"],
                   f"{name}: same paths and violations in both formats")
            # Keylime judges entry 0 by digests["boot_aggregate"], our engine by the replay
            expect(kdoc["digests"]["boot_aggregate"] == [adoc["boot_aggregate"].split(":")[-1]],
                   f"{name}: the boot_aggregate in Keylime's digests")
            # the engine loads the Keylime output again and judges identically
            ck, ca = run("policy", "ima", "check", kpath, lst), run("policy", "ima", "check", apath, lst)
            expect(ck.returncode == ca.returncode and ck.stdout == ca.stdout and
                   ck.returncode in (0, 1), f"{name}: both formats judge the list identically")
            nviol = len(adoc["violations"])
            expect(ca.stdout.count("\tima_violation\t") == nviol and
                   (ca.returncode == 0) == (nviol == 0),
                   f"{name}: its {nviol} violations listed, not allowed")
        self_test_rules(first)

        # cross-judging: a policy of one list on another, same verdict lines in both formats
        a, b = os.path.join(corpora, ASCII[0]), os.path.join(corpora, ASCII[1])
        _, ka = generate(a, "keylime")
        _, aa = generate(a, "attest")
        ck, ca = run("policy", "ima", "check", ka, b), run("policy", "ima", "check", aa, b)
        expect(ck.returncode == ca.returncode == 1 and ck.stdout == ca.stdout and
               "\tima_path\t" in ck.stdout, "another list: same violations from both formats")

        # the built list: every template in the policy, ima-buf also where Keylime reads it
        p, kpath = generate(built, "keylime")
        doc = json.loads(p.stdout)
        expect(set(doc["digests"]) == {"boot_aggregate", "/usr/bin/sh", "/usr/bin/py", "/usr/bin/ls",
                                       "/usr/bin/with space", "kexec-cmdline", "/sbin/init"},
               "built list: every measured path and boot_aggregate, the violation left out")
        expect(doc["ima-buf"] == doc["keyrings"] == {"kexec-cmdline": doc["digests"]["kexec-cmdline"]},
               "built list: the ima-buf entry under ima-buf and keyrings too")
        expect(doc["violations"] == [{"entry": 7, "path": "/var/log/journal/x.journal"}] and
               "allow_violations" not in doc, "built list: the violation listed by entry and path")
        expect(len(doc["digests"]["/usr/bin/py"][0]) == 128, "built list: a sha512 digest, 128 hex")
        # allowing violations is the operator's edit; it survives the Keylime rendering
        adoc = json.loads(run("policy", "ima", "generate", built).stdout)
        adoc["allow_violations"] = True
        expect(run("policy", "ima", "check", write("allow.json", json.dumps(adoc)),
                   built).returncode == 0, "allow_violations: true, the list holds")
        # a digest Keylime cannot hold (md5, 32 hex digits): refused, not written
        md5 = entry("ima-ng", ng_data("sha256", b"\1" * 32, "boot_aggregate")) + \
            entry("ima-ng", ng_data("md5", hashlib.md5(b"x").digest(), "/usr/bin/x"))
        p = run("policy", "ima", "generate", write("md5.bin", md5), "--format", "keylime")
        expect(p.returncode == 1 and not p.stdout and "40 to 128" in p.stderr,
               "a md5 digest: --format keylime refused with the reason")
        # a path that is not UTF-8 cannot be a JSON key: left out, then reported by the check
        latin = entry("ima-ng", ng_data("sha256", b"\1" * 32, "boot_aggregate")) + \
            entry("ima-ng", ng_data("sha256", b"\2" * 32, "/usr/bin/ok")) + \
            struct.pack("<I", 10) + hashlib.sha1(field(b"sha256:\0" + b"\3" * 32) +
                                                 field(b"/tmp/caf\xe9\0")).digest() + \
            field(b"ima-ng") + field(field(b"sha256:\0" + b"\3" * 32) + field(b"/tmp/caf\xe9\0"))
        lp = write("latin1.bin", latin)
        for fmt in ("attest", "keylime"):
            p, path = generate(lp, fmt)
            c = subprocess.run([tool, "policy", "ima", "check", path, lp], capture_output=True,
                               timeout=60)  # bytes: the reported path is not UTF-8
            expect(p.returncode == 0 and list(json.loads(p.stdout)["digests"]) ==
                   (["/usr/bin/ok"] if fmt == "attest" else ["/usr/bin/ok", "boot_aggregate"]) and
                   c.returncode == 1 and c.stdout.count(b"\tima_path\t/tmp/caf\xe9\t") == 1,
                   f"a path that is not UTF-8 ({fmt}): left out, reported by the check")
        expect(run("policy", "ima", "generate", built, "--format", "yaml").returncode == 2,
               "an unknown --format: usage error")

        # the converse: a realistic Keylime policy, every member, loads unchanged
        al = os.path.join(corpora, ASCII[0])
        digests = {}
        for line in open(al):
            f = line.split(" ", 4)
            if f[4].strip() != "boot_aggregate" and f[1].strip("0"):
                digests.setdefault(f[4].rstrip("\n"), []).append(f[3].split(":")[1])
        keylime = {
            "meta": {"version": 1, "generator": 3, "timestamp": "2025-01-07 10:00:00.000000"},
            "release": 0, "digests": digests, "excludes": ["/tmp/.*", "/var/log/.*"],
            "keyrings": {".ima": ["a" * 64]},
            "ima": {"ignored_keyrings": [".builtin_trusted_keys"], "log_hash_alg": "sha1",
                    "dm_policy": None},
            "ima-buf": {"dm_table_load": ["b" * 64]},
            "verification-keys": json.dumps({"meta": {"version": 1}, "keyrings": {}}),
        }
        expect(keylime_rules(keylime) == [], "realistic Keylime policy: valid for Keylime")
        kp = write("keylime.json", json.dumps(keylime))
        p = run("policy", "ima", "check", kp, al)
        expect(p.returncode == 0, "realistic Keylime policy: loads unchanged, the list holds")
        path = next(iter(digests))
        keylime["digests"][path] = ["c" * 40]
        p = run("policy", "ima", "check", write("keylime2.json", json.dumps(keylime)), al)
        expect(p.returncode == 1 and f"\tima_digest\t{path}\t" in p.stdout,
               "realistic Keylime policy: a changed digest is named")

        # ascii and binary forms of one list agree: replay, and check against the binary's PCRs
        pair = write("pair.ascii", "".join(open(os.path.join(corpora, PAIR_ASCII)).readlines()[:PAIR_N]))
        ra, rb = run("ima", "replay", pair), run("ima", "replay", os.path.join(corpora, PAIR_BINARY))
        expect(ra.returncode == rb.returncode == 0 and ra.stdout == rb.stdout and
               f"entries={PAIR_N}" in ra.stdout, "ima replay: ascii and binary forms agree")
        banks = {}
        for l in rb.stdout.split():
            if ":" in l:
                bank, rest = l.split(":")
                banks.setdefault(bank, {})[rest.split("=")[0]] = rest.split("=")[1]
        pcrs = write("pair.pcrs.json", json.dumps({"banks": banks}))
        p = run("ima", "check", pair, "--pcrs", pcrs)
        expect(p.stdout.splitlines()[:2] == ["sha1:10 match", "sha256:10 match"],
               "ima check of the ascii list against the binary list's PCRs: both banks match")
        for a in ASCII:
            p = run("ima", "replay", os.path.join(corpora, a))
            expect(p.returncode == 0 and "sha256:10=" in p.stdout, f"ima replay of {a}")
        p = run("ima", "replay", write("built.txt", ascii_of(built_list())))
        expect(p.stdout == run("ima", "replay", built).stdout,
               "ima replay: built list, ascii (ima-sig, empty sig, ima-buf, ima) = binary")

        # ascii lists whose template hash cannot be checked: refused, line named
        lines = open(os.path.join(corpora, ASCII[0])).read().splitlines(True)
        def refused(text, what, line):
            path = write("bad.ascii", text)
            pr, pc = run("ima", "replay", path), run("ima", "check", path, "--pcrs", pcrs)
            pg = run("policy", "ima", "generate", path)
            expect(pr.returncode == 1 and pc.returncode == 2 and pg.returncode == 2 and
                   f"refused at line {line}:" in pr.stderr, f"ascii refused: {what}")
        l2 = lines[1].split(" ")
        refused("".join(lines[:1] + [" ".join(l2[:3] + ["sha1:" + "0" * 39 + "1"] + l2[4:])] +
                        lines[2:]), "a changed file digest", 2)
        refused("".join(lines[:5] + [lines[5].rstrip("\n") + "x\n"] + lines[6:]),
                "a changed path", 6)
        refused("".join(lines[:3] + [lines[3].replace(" ima-ng ", " ima-modsig ")] + lines[4:]),
                "ima-modsig (its fields are not all printed)", 4)
        refused("".join(lines[:3] + [lines[3].replace(" ima-ng ", " my-template ")] + lines[4:]),
                "an unknown template", 4)
        refused(open(os.path.join(corpora,
                                  "keylime/test__data__create-runtime-policy__ima-log-unknown")).read(),
                "a SHA-256 template hash (ascii_runtime_measurements_sha256)", 1)
        # a violation's fields are bound by nothing, in either form: accepted as printed
        lines = open(os.path.join(corpora, PAIR_ASCII)).read().splitlines(True)
        viol = [i for i, l in enumerate(lines) if l.split(" ")[1].strip("0") == ""]
        if viol:
            i = viol[0]
            changed = lines[:i] + [lines[i].rstrip("\n") + ".renamed\n"] + lines[i + 1:]
            expect(run("ima", "replay", write("viol.ascii", "".join(changed))).returncode == 0,
                   "a violation's path is not checkable (template hash 0): accepted as printed")
        else:
            expect(False, "the ascii corpus list has a violation entry")

    print(f"# {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""arch-rules: the architecture rules of the tree, checked on the built objects.

    arch-rules.py GROUP...        (ATTEST_BUILD_ROOT: the meson build directory)

Groups:
  object-cycles       no two object files of one target (static library or
                      executable) use each other's symbols, directly or through
                      others: "A uses a symbol B defines" is a graph without cycles
  layering            the RULES below tagged 'layering'
  no-libjwt-shipped   the RULES below tagged 'no-libjwt-shipped'

Each failure names the offending target, object, library or symbol; the exit
status is 1 on any failure, 0 otherwise.
"""
import json
import os
import subprocess
import sys

# The dependency rules of the shipped executables, one per line:
#   (group, executable, kind, names, why)
# kinds:
#   needed-none  no NEEDED entry (readelf -d) is one of the libraries `names`
#   needed-only  every NEEDED entry is one of the libraries `names`
#   no-symbol    no symbol of the executable (nm) starts with names[0]; names[1]
#                is the static library that defines such symbols, which must
#                still define one, so a renamed prefix fails instead of passing
# Libraries are sonames without ".so.N" (libjwt.so.0 -> libjwt).
TPM_STACK = ('libtss2-esys', 'libtss2-tctildr')
RULES = [
    ('layering', 'verifier/attest-verifier', 'needed-none', TPM_STACK,
     'the verifier judges quotes, it never talks to a TPM'),
    ('layering', 'attestctl/attestctl', 'needed-none', TPM_STACK,
     'the operator CLI runs off the runner, without a TPM'),
    ('layering', 'attestd/attestd', 'no-symbol', ('policy_', 'lib/policy/libattest-policy.a'),
     'the agent reports measurements, only the verifier evaluates policies'),
    ('layering', 'generator/attest-generator', 'needed-only', ('libc', 'libinih'),
     'a systemd generator runs before any unit: libc and the config parser only'),
    ('no-libjwt-shipped', 'verifier/attest-verifier', 'needed-none', ('libjwt',),
     'verdicts are signed without libjwt'),
    ('no-libjwt-shipped', 'attestctl/attestctl', 'needed-none', ('libjwt',),
     'verdicts are checked without libjwt'),
    ('no-libjwt-shipped', 'attestd/attestd', 'needed-none', ('libjwt',),
     'verdicts are checked without libjwt'),
]
# A sanitizer build (-Db_sanitize) links the sanitizer runtime, which adds these
# to every executable's NEEDED; they are not dependencies of the project.
SANITIZER_NEEDED = ('libm', 'libgcc_s', 'libasan', 'libubsan', 'libpthread', 'libdl', 'librt')
RULE_TEXT = {
    'needed-none': 'links what it must not:',
    'needed-only': 'links more than it may:',
    'no-symbol': 'contains symbols it must not:',
}
TARGET_TYPES = ('static library', 'executable')


class CheckError(Exception):
    """The tree cannot be checked (a tool failed, a file is missing)."""


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise CheckError(f"{' '.join(argv[:3])}...: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def meson_info(build, name):
    path = os.path.join(build, 'meson-info', f'intro-{name}.json')
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise CheckError(f'{path}: {e.strerror}') from e


def target_objects(build):
    """{target path relative to build: [object paths]} of every library and executable.

    Only objects the current build compiles count: a .o left behind by a removed
    source file stays in the .p directory and would invent dependencies.
    """
    with open(os.path.join(build, 'compile_commands.json')) as f:
        compiled = {os.path.normpath(os.path.join(build, c['output'])) for c in json.load(f)}
    targets = {}
    for t in meson_info(build, 'targets'):
        if t['type'] not in TARGET_TYPES:
            continue
        pdir = t['filename'][0] + '.p'
        objs = []
        for root, _, files in os.walk(pdir):
            objs += [os.path.normpath(os.path.join(root, n)) for n in files if n.endswith('.o')]
        objs = sorted(o for o in objs if o in compiled)
        if objs:
            targets[os.path.relpath(t['filename'][0], build)] = objs
    return targets


def nm_symbols(objs, *flags):
    """{object: set of symbols} from one `nm -A FLAGS objs...` run."""
    syms = {o: set() for o in objs}
    for line in run(['nm', '-A', *flags, *objs]).splitlines():
        path, _, rest = line.partition(':')
        fields = rest.split()
        if len(fields) >= 2 and path in syms:
            syms[path].add(fields[-1])
    return syms


def use_graph(objs, defined, used):
    """{A: {B: a symbol of B that A uses}} among the objects `objs`."""
    owner = {}
    for o in objs:
        for s in defined[o]:
            owner.setdefault(s, o)
    graph = {o: {} for o in objs}
    for a in objs:
        for s in sorted(used[a]):
            b = owner.get(s)
            if b and b != a:
                graph[a].setdefault(b, s)
    return graph


def strongly_connected(graph):
    """Tarjan's components of more than one node, each as a sorted list."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def one_cycle(graph, comp):
    """A path start -> ... -> start inside the component `comp` (breadth first)."""
    start, members = comp[0], set(comp)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v]):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in members and w not in prev:
                prev[w] = v
                queue.append(w)
    raise CheckError(f'no cycle through {start} in its own component')


def check_object_cycles(build):
    targets = target_objects(build)
    if not targets:
        raise CheckError(f'no object files under {build}: not a built tree?')
    n_objs = sum(len(objs) for objs in targets.values())
    print(f'object-cycles: {len(targets)} targets, {n_objs} objects')
    every = sorted({o for objs in targets.values() for o in objs})
    defined = nm_symbols(every, '-g', '--defined-only')  # one nm run each for all objects
    used = nm_symbols(every, '-u')
    failures = []
    for target, objs in sorted(targets.items()):
        graph = use_graph(objs, defined, used)
        for comp in strongly_connected(graph):
            path = one_cycle(graph, comp)
            pdir = os.path.join(build, target) + '.p/'
            steps = [os.path.relpath(path[0], pdir)]
            for a, b in zip(path, path[1:]):
                steps.append(f'-> {os.path.relpath(b, pdir)} ({graph[a][b]})')
            failures.append(f'{target}: object cycle: ' + ' '.join(steps))
    return failures


def needed_of(path):
    sonames = [line.split('[', 1)[1].rstrip(']')
               for line in run(['readelf', '-d', path]).splitlines() if '(NEEDED)' in line]
    if not sonames:
        raise CheckError(f'{path}: no NEEDED entry read')
    return [s.split('.so', 1)[0] for s in sonames]


def sanitized(build):
    opts = {o['name']: o['value'] for o in meson_info(build, 'buildoptions')}
    return opts.get('b_sanitize', 'none') not in ('none', [], ['none'])


def symbols_of(path):
    syms = {line.split()[-1] for line in run(['nm', path]).splitlines() if line.strip()}
    if 'main' not in syms:
        raise CheckError(f'{path}: no symbol table (stripped?): the rule cannot be checked')
    return syms


def check_rule(build, exe, kind, names, why):
    path = os.path.join(build, exe)
    if kind == 'needed-none':
        bad = [n for n in needed_of(path) if n in names]
    elif kind == 'needed-only':
        allowed = names + (SANITIZER_NEEDED if sanitized(build) else ())
        bad = [n for n in needed_of(path) if n not in allowed]
    elif kind == 'no-symbol':
        prefix, source = names
        lib = os.path.join(build, source)
        if not any(s.startswith(prefix) for s in nm_symbols([lib], '-g', '--defined-only')[lib]):
            raise CheckError(f'{source} defines no symbol {prefix}*: the rule is stale')
        bad = sorted(s for s in symbols_of(path) if s.startswith(prefix))
    else:
        raise CheckError(f'unknown rule kind {kind}')
    return [f'{exe}: {RULE_TEXT[kind]} {", ".join(bad)} ({why})'] if bad else []


def check_group(build, group):
    if group == 'object-cycles':
        return check_object_cycles(build)
    rules = [r for r in RULES if r[0] == group]
    if not rules:
        raise CheckError(f'unknown group {group}')
    return [f for r in rules for f in check_rule(build, *r[1:])]


def main(argv):
    build = os.environ.get('ATTEST_BUILD_ROOT')
    if not build or len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    failures = []
    try:
        for group in argv[1:]:
            failures += [f'{group}: {f}' for f in check_group(build, group)]
    except (CheckError, OSError) as e:
        print(f'arch-rules: cannot check: {e}', file=sys.stderr)
        return 1
    for f in failures:
        print(f'FAIL {f}', file=sys.stderr)
    if not failures:
        print(f'arch-rules: {" ".join(argv[1:])}: ok')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

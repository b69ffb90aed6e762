#!/usr/bin/env python3
"""The kernel as the engine's oracle (docs/RELIABILITY.md).

Generated layers on one base and grant are composed by the engine on the host
(aalayer-policy compose), their children loaded in a real Debian kernel under
qemu (vm.sh) next to the base, and for every (layer, path, operation) triple
what the engine's explain says must equal what a process under the stack
base//&base//aalayer.1000.NAME is allowed. Also the scenarios of issue 5:
banking vs everyday, clipping and deny outside the grant, owner-only grants,
and a running process seeing a replaced layer, with exec'd children staying
under it. Any disagreement fails and prints the triple.

Exit 0 all agree, 1 a disagreement or a VM error, 77 qemu missing.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.environ.get("AALAYER_POLICY_TOOL", "aalayer-policy")
CACHE = os.environ.get("AALAYER_KERNEL_CACHE", os.path.join(tempfile.gettempdir(), "aalayer-kernel-cache"))
UID, OTHER = 1000, 2000
HOME = "/home/u"

BASE = """abi <abi/3.0>,
profile oracle {
  /** r,
  /data/** rwk,
  owner /home/** rwk,
  /home/*/pub/** r,
  deny /data/secret/** w,
  /data/bin/* ix,
}
"""
GRANT = """grant oracle {
  owner @{HOME}/docs/** rwk,
  owner @{HOME}/bank/** rw,
  @{HOME}/pub/** r,
  /data/shared/** rwk,
}
"""
# The same grant with exclusions (docs/layer-algebra.md): a subtree, a file and
# a wildcard subtree taken out of the region, where the base decides again.
EXCLUDE_GRANT = """grant oracle {
  owner @{HOME}/docs/** rwk,
  owner @{HOME}/bank/** rw,
  @{HOME}/pub/** r,
  /data/shared/** rwk,
  exclude @{HOME}/docs/private/**,
  exclude @{HOME}/bank/x,
  exclude /data/shared/s?/**,
}
"""
OWNER_GRANT = """grant oracle {
  owner @{HOME}/docs/** rw,
}
"""

# Files the checks use: (path, owner uid).
FILES = [(f"{HOME}/docs/{n}", o) for n, o in [("a.txt", UID), ("b.txt", UID), ("theirs.txt", OTHER),
                                                ("private/key", UID), ("private/their", OTHER)]] + \
        [(f"{HOME}/bank/{n}", o) for n, o in [("stmt.pdf", UID), ("x", OTHER)]] + \
        [(f"{HOME}/pub/{n}", o) for n, o in [("p", UID), ("q", OTHER)]] + \
        [(f"{HOME}/other/{n}", o) for n, o in [("o", UID), ("p", OTHER)]] + \
        [(f"/data/shared/{n}", o) for n, o in [("s1", UID), ("s2", OTHER), ("sub/s3", UID), ("s4/in", UID)]] + \
        [(f"/data/secret/{n}", o) for n, o in [("k", UID), ("l", OTHER)]] + \
        [(f"/data/plain/{n}", o) for n, o in [("m", UID), ("n", OTHER)]] + \
        [("/srv/x", UID), ("/srv/y", OTHER)]
OPS = ["read", "write", "append", "appendx", "lock"]

# Rule pieces the generator draws from: paths inside and outside the grant.
GLOBS = ["@{HOME}/docs/**", "@{HOME}/docs/private/**", "@{HOME}/docs/a.txt", "@{HOME}/docs/*.txt", "@{HOME}/bank/**", "@{HOME}/pub/**",
         "@{HOME}/pub/p", "@{HOME}/other/**", "@{HOME}/**", "/data/shared/**", "/data/shared/s?",
         "/data/shared/{s1,sub/**}", "/data/secret/**", "/data/plain/**", "/data/**", "/srv/*", "/**"]
PERMS = ["r", "w", "a", "rw", "rk", "rwk", "ra", "k", "rwlk"]


def needed(op):
    # append: open O_CREAT|O_APPEND and write. O_CREAT asks for create, which only w grants;
    # O_APPEND turns the open's write into append; the write(2) itself is checked as a write.
    # appendx: only the open of an existing file with O_APPEND, which asks for a alone.
    return {"read": "r", "write": "w", "append": "wa", "appendx": "a", "lock": "rk"}[op]


def engine_allows(perms, op):
    return all(c in perms for c in needed(op))


def random_layer(rng):
    rules = []
    for _ in range(rng.randint(1, 5)):
        owner = "owner " if rng.random() < 0.4 else ""
        if rng.random() < 0.3:
            rules.append(f"deny {owner}{rng.choice(GLOBS)} {rng.choice(['r', 'w', 'a', 'k', 'rw'])},")
        else:
            rules.append(f"{owner}{rng.choice(GLOBS)} {rng.choice(PERMS)},")
    return "\n".join(rules) + "\n"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Case:
    """A layer on a grant: its child profile and the engine's answers."""

    def __init__(self, work, name, text, grant_text):
        self.name, self.text = name, text
        d = os.path.join(work, "in", name)
        os.makedirs(d)
        for f, t in [("base", BASE), ("grant.conf", grant_text), ("layer", text)]:
            with open(os.path.join(d, f), "w") as fh:
                fh.write(t)
        self.args = ["--base", os.path.join(d, "base"), "--grant", os.path.join(d, "grant.conf"),
                     "--layer", os.path.join(d, "layer"), "--uid", str(UID), "--user", "u", "--home", HOME,
                     "--name", name]
        c = run([TOOL, "compose"] + self.args)
        if c.returncode != 0:
            raise RuntimeError(f"compose failed for {name}:\n{text}\n{c.stderr}")
        self.child = c.stdout
        e = run([TOOL, "explain", "--json"] + self.args + [p for p, _ in FILES])
        if e.returncode != 0:
            raise RuntimeError(f"explain failed for {name}: {e.stderr}")
        self.perms = {x["path"]: (x["owner"], x["other"]) for x in json.loads(e.stdout)}

    def expect(self, path, owner_uid, op):
        owner, other = self.perms[path]
        return engine_allows(owner if owner_uid == UID else other, op)


def build_loader_probe(work):
    """The service's apparmor backend as a static binary for the guest."""
    root = os.path.dirname(os.path.dirname(HERE))
    out = os.path.join(work, "loader-probe")
    sources = [os.path.join(HERE, "loader_probe.cpp")] + [
        os.path.join(root, p) for p in ("service/kernel/parser_loader.cpp", "service/kernel/binary_cache.cpp",
                                        "service/kernel/command.cpp", "service/kernel/features.cpp",
                                        "service/core/outcome.cpp", "service/store/private_dir.cpp",
                                        "service/store/whole_file.cpp",
                                        "policy/common/result.cpp", "policy/common/utf8.cpp")]
    r = run([os.environ.get("CXX_FOR_GUEST", "g++"), "-std=c++20", "-O2", "-static", "-I", root, "-o", out] + sources)
    if r.returncode != 0:
        raise RuntimeError("cannot build loader-probe:\n" + r.stderr[-3000:])
    return out


def vm(work, profiles, checks, extras=()):
    checks_file = os.path.join(work, "checks")
    with open(checks_file, "w") as fh:
        fh.write(checks)
    extra_args = []
    for e in extras:
        extra_args += ["--extra", e]
    r = run(["bash", os.path.join(HERE, "vm.sh"), "--cache", CACHE, "--profiles", profiles, "--checks",
             checks_file, "--timeout", "480"] + extra_args)
    results = {}
    errors = [line for line in r.stdout.splitlines() if line.startswith("VMERROR")]
    for line in r.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == "RESULT":
            results[parts[1]] = parts[2:]
        if parts and parts[0] in ("STEP", "PROFILE") and "failed" in parts:
            errors.append(line)
    if r.returncode != 0 or errors:
        console = os.path.join(CACHE, "last-console.log")
        tail = open(console).read()[-4000:] if os.path.exists(console) else ""
        raise RuntimeError("the VM run failed:\n" + "\n".join(errors) + "\n" + r.stdout[-3000:] + r.stderr[-2000:] +
                           "\n--- console tail ---\n" + tail)
    return results


def setup_files():
    lines = ["DIR /data/bin", "EXE /data/bin/tool"]
    for path, owner in FILES:
        lines.append(f"FILE {path} {owner}:{owner} 0666 content")
    return lines


def main():
    if shutil.which("qemu-system-x86_64") is None:
        print("=" * 70 + "\nSKIPPED: qemu-system-x86_64 is not installed; the kernel oracle did not run\n" + "=" * 70)
        return 77
    start = time.time()
    work = tempfile.mkdtemp(prefix="aalayer-oracle-")
    try:
        rng = random.Random(int(os.environ.get("AALAYER_ORACLE_SEED", "8")))
        cases = [Case(work, f"g{i}", random_layer(rng), GRANT) for i in range(int(os.environ.get("AALAYER_ORACLE_LAYERS", "12")))]
        # The scenarios, on the same base.
        cases.append(Case(work, "banking", "owner @{HOME}/bank/** rw,\nowner @{HOME}/docs/** r,\n"
                                           "deny @{HOME}/pub/** r,\n", GRANT))
        cases.append(Case(work, "everyday", "owner @{HOME}/docs/** rwk,\ndeny @{HOME}/bank/** rw,\n", GRANT))
        cases.append(Case(work, "clipped", "/data/plain/** rw,\n/srv/* rw,\ndeny /srv/y r,\n", GRANT))
        cases.append(Case(work, "owneronly", "owner @{HOME}/docs/** rw,\n", OWNER_GRANT))
        # Exclusions: random layers on the grant with exclusions, and the named cases
        # (an allow-list reaching into excluded paths, a deny there).
        cases += [Case(work, f"x{i}", random_layer(rng), EXCLUDE_GRANT)
                  for i in range(int(os.environ.get("AALAYER_ORACLE_EXCLUSION_LAYERS", "4")))]
        cases.append(Case(work, "excluded", "owner @{HOME}/docs/** r,\nowner @{HOME}/bank/** r,\n"
                                            "/data/shared/** r,\n", EXCLUDE_GRANT))
        cases.append(Case(work, "excludeddeny", "owner @{HOME}/docs/** rw,\ndeny @{HOME}/docs/private/** w,\n",
                          EXCLUDE_GRANT))
        profiles = os.path.join(work, "profiles")
        os.makedirs(profiles)
        with open(os.path.join(profiles, "00-oracle"), "w") as fh:
            fh.write(BASE)
        for c in cases:
            with open(os.path.join(profiles, f"10-{c.name}"), "w") as fh:
                fh.write(c.child)
        lines = setup_files() + [f"AS {UID}"]
        expected = {}
        for c in cases:
            label = f"oracle//&oracle//aalayer.{UID}.{c.name}"
            for i, (path, owner) in enumerate(FILES):
                for op in OPS:
                    cid = f"{c.name}.{i}.{op}"
                    lines.append(f"{cid} {label} {op} {path}")
                    expected[cid] = (c, path, owner, op)
        # Replace while running: a process under 'everyday' keeps running while
        # the layer is replaced by one that also allows the bank; an exec'd
        # child stays under the stack.
        everyday_label = f"oracle//&oracle//aalayer.{UID}.everyday"
        replaced = Case(work, "everyday2", "owner @{HOME}/docs/** rwk,\nowner @{HOME}/bank/** r,\n", GRANT)
        child2 = replaced.child.replace(f"aalayer.{UID}.everyday2", f"aalayer.{UID}.everyday")
        with open(os.path.join(work, "everyday-v2"), "w") as fh:
            fh.write(child2)
        lines += [f"BG keep {everyday_label}", f"before.bank @keep read {HOME}/bank/stmt.pdf",
                  f"REPLACE {os.path.join(work, 'everyday-v2')}", f"after.bank @keep read {HOME}/bank/stmt.pdf",
                  f"after.new {everyday_label} read {HOME}/bank/stmt.pdf",
                  f"after.exec {everyday_label} execlabel /data/bin/tool"]
        # The service's own backend (service/kernel/parser_loader) in the guest: load a child,
        # see it enforced and in use, replace it under a running process, refuse a broken one
        # keeping the old, remove it.
        svc = Case(work, "svc", "owner @{HOME}/docs/** r,\n", GRANT)
        svc2 = Case(work, "svc2", "owner @{HOME}/docs/** rw,\n", GRANT)
        for c, f in [(svc, "svc.child"), (svc2, "svc2.child")]:
            with open(os.path.join(work, f), "w") as fh:
                fh.write(c.child.replace(f"aalayer.{UID}.svc2", f"aalayer.{UID}.svc"))
        with open(os.path.join(work, "bad.child"), "w") as fh:
            fh.write(f"profile oracle//aalayer.{UID}.svc {{\n  /x rwz,\n}}\n")
        probe = build_loader_probe(work)
        svc_name = f"oracle//aalayer.{UID}.svc"
        svc_label = f"oracle//&{svc_name}"
        doc = f"{HOME}/docs/a.txt"
        lines += ["AS 0",
                  f"RUN be.load /extra/loader-probe load {svc_name} /extra/svc.child",
                  f"RUN be.idle /extra/loader-probe inuse {svc_name}",
                  f"RUN be.loaded /extra/loader-probe loaded {svc_name}",
                  f"AS {UID}", f"BG svcproc {svc_label}", f"be.read @svcproc read {doc}",
                  f"be.write @svcproc write {doc}", "AS 0",
                  f"RUN be.inuse /extra/loader-probe inuse {svc_name}",
                  f"RUN be.replace /extra/loader-probe load {svc_name} /extra/svc2.child",
                  f"be.write2 @svcproc write {doc}",
                  f"RUN be.bad /extra/loader-probe load {svc_name} /extra/bad.child",
                  f"be.write3 @svcproc write {doc}",
                  f"RUN be.unload /extra/loader-probe unload {svc_name}",
                  f"RUN be.unload2 /extra/loader-probe unload {svc_name}",
                  f"RUN be.notloaded /extra/loader-probe loaded {svc_name}",
                  f"AS {UID}", f"be.gone {svc_label} read {doc}",
                  # svc2's binary is in the cache since its load: loaded again without a compile
                  "AS 0", f"RUN be.cached /extra/loader-probe load {svc_name} /extra/svc2.child",
                  f"AS {UID}", f"be.cachedwrite {svc_label} write {doc}"]
        backend_expect = {"be.load": "rc=0 ok", "be.idle": "rc=0 inuse no", "be.read": "allowed",
                          "be.write": "denied", "be.inuse": "rc=0 inuse yes", "be.replace": "rc=0 ok",
                          "be.write2": "allowed", "be.bad": "rc=1 error KernelRefused", "be.write3": "allowed",
                          "be.unload": "rc=0 ok", "be.unload2": "rc=0 ok", "be.gone": "error",
                          "be.loaded": "rc=0 loaded yes", "be.notloaded": "rc=0 loaded no",
                          "be.cached": "rc=0 ok", "be.cachedwrite": "allowed"}
        results = vm(work, profiles, "\n".join(lines) + "\n",
                     [probe] + [os.path.join(work, f) for f in ("svc.child", "svc2.child", "bad.child")])

        failures = []
        for cid, (c, path, owner, op) in expected.items():
            got = results.get(cid)
            want = "allowed" if c.expect(path, owner, op) else "denied"
            if got is None or got[0] not in ("allowed", "denied"):
                failures.append(f"{cid}: no clean result ({got})")
            elif got[0] != want:
                failures.append(f"DISAGREE layer {c.name} path {path} (owner uid {owner}) op {op}: engine says {want} "
                                f"(owner={c.perms[path][0]!r} other={c.perms[path][1]!r}), kernel says {' '.join(got)}\n"
                                f"  layer text:\n    " + c.text.strip().replace("\n", "\n    "))
        for cid, want in [("before.bank", "denied"), ("after.bank", "allowed"), ("after.new", "allowed")]:
            got = results.get(cid, ["missing"])
            if got[0] != want:
                failures.append(f"replace while running: {cid} expected {want}, kernel says {' '.join(got)}")
        for cid, want in backend_expect.items():
            got = " ".join(results.get(cid, ["missing"]))
            if not got.startswith(want):
                failures.append(f"service backend in the guest: {cid} expected '{want}', got '{got}'")
        label = " ".join(results.get("after.exec", ["missing"]))
        if f"aalayer.{UID}.everyday" not in label:
            failures.append(f"exec'd child left the layer: its label is {label!r}")
        elapsed = time.time() - start
        if failures:
            print(f"kernel oracle: {len(failures)} disagreement(s) in {len(expected)} triples:")
            print("\n".join(failures))
            return 1
        print(f"kernel oracle: {len(expected)} (layer, path, operation) triples agree between the engine and the "
              f"kernel ({len(cases)} layers, replace-while-running and exec checked); the service's apparmor "
              f"backend loaded, replaced, refused, found in use and removed a child in the guest; {elapsed:.1f} s")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

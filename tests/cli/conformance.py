#!/usr/bin/env python3
"""conformance.py - drive `xbpf conformance-plugin` over bpf_conformance's .data files the
way bpf_conformance's runner does, and check r0.

For each file: the `-- asm` section is assembled by `xbpf asm` to hex (the runner uses its
own assembler; here xbpf's stands in), `-- mem` becomes argv[1] as hex bytes each followed
by two spaces ("" when there is none), the plugin options are argv[2] (one argument:
"conformance-plugin" and the options, as --plugin_options would give), the program goes to stdin as one line in the same format, stdout is parsed
as hex (stoull(.., 16)) and compared as uint32 with `-- result`, as the runner does.
Usage: conformance.py XBPF TESTS_DIR [PLUGIN_OPTIONS]
"""
import os
import subprocess
import sys
import tempfile


def sections(path):
    """The file's sections: {"asm": text, "mem": text, "result": text, ...}."""
    out, cur = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("--"):
                cur = line[2:].strip()
                out[cur] = ""
            elif cur is not None:
                out[cur] += line
    return out


def hex_arg(data):
    return "".join("%02x  " % b for b in data)


def assemble(xbpf, text, tmp):
    src = os.path.join(tmp, "prog.asm")
    with open(src, "w") as f:
        f.write(text)
    p = subprocess.run([xbpf, "asm", src, "--format", "hex"], capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return bytes.fromhex(p.stdout.replace("\n", " ")), None


def run_one(xbpf, path, options, tmp):
    s = sections(path)
    if "asm" not in s or "result" not in s:
        return "skip", "no asm or result section"
    code, err = assemble(xbpf, s["asm"], tmp)
    if code is None:
        return "fail", "xbpf asm: " + err
    mem = bytes.fromhex(s.get("mem", "").replace("\n", " "))
    # exactly the runner's argv: PLUGIN MEM OPTIONS, with --plugin_path xbpf and
    # --plugin_options "conformance-plugin[ options]"
    plugin_options = ("conformance-plugin " + options).strip()
    try:
        p = subprocess.run([xbpf, hex_arg(mem), plugin_options],
                           input=hex_arg(code) + "\n", capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "fail", "the plugin did not finish within 60 s"
    got = "".join(p.stdout.splitlines())
    if p.returncode != 0:
        return "fail", "plugin exited %d: %s" % (p.returncode, got)
    want = s["result"].strip()
    want_v = int(want, 16) if "0x" in want else int(want)
    try:
        got_v = int(got, 16)
    except ValueError:
        return "fail", "plugin printed %r, not hex" % got
    if got_v & 0xffffffff != want_v & 0xffffffff:
        return "fail", "r0 = %s, expected %s" % (got, want)
    return "pass", ""


def main():
    if len(sys.argv) < 3:
        print("usage: conformance.py XBPF TESTS_DIR [PLUGIN_OPTIONS]", file=sys.stderr)
        return 2
    xbpf, tests = sys.argv[1], sys.argv[2]
    options = sys.argv[3] if len(sys.argv) > 3 else ""
    counts = {"pass": 0, "fail": 0, "skip": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(tests)):
            if not name.endswith(".data"):
                continue
            verdict, why = run_one(xbpf, os.path.join(tests, name), options, tmp)
            counts[verdict] += 1
            if verdict != "pass":
                print("%s %s: %s" % (verdict.upper(), name, why))
    total = counts["pass"] + counts["fail"]
    print("conformance-plugin %r: %d/%d passed, %d skipped" %
          (options, counts["pass"], total, counts["skip"]))
    print("%d passed, %d failed" % (counts["pass"], counts["fail"]))
    return 1 if counts["fail"] or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

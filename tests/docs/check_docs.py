#!/usr/bin/env python3
"""Keeps the documentation true: README.md, docs/*.md and python/README.md.

usage: check_docs.py [--require-all] SOURCE_DIR BUILD_DIR
       check_docs.py [--require-all] --selftest SOURCE_DIR BUILD_DIR

- Every relative link points at a file that exists (and an #anchor into a
  Markdown file at one of its headings).
- Every command in a ```sh code block that runs a program of the project
  uses only options that program's --help names (`shmfb SUB --help` for the
  shmfb command); after `--`, the rest is a command of its own.
- Every such program's --help runs and exits 0.
- Every option of a program without a manual page is named on the page
  OPTION_PAGES gives it (the others are checked against their manual
  pages by tests/release).
- The commands that are safe to run quickly (`shmfb demo` in the
  background, `shmfb snap`, `shmfb ls`) run as written, in the order of
  their page, with the build tree's programs, in a private runtime
  directory; each must exit 0.

The options of each program are described in its --help and its manual
page (tests/release checks those two against each other): a page here
links to them rather than lists them.

--selftest copies the pages, breaks links, options, commands and an option
page in the copy, and checks that each fault is reported.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# Programs of the project, by file name, and whether they take `-- PROGRAM`.
PROGRAMS = {
    "shmfb", "shmfb-view", "shmfb-vnc", "shmfb-squeak", "shmfb-qemu", "toy-vm",
    "shmfb-bench", "shmfb-viewbench", "shmfb-hostbench", "shmfb-gstbench",
    "shmfb-vnc-bench", "shmfb-record",
}
RUNNABLE = {"demo", "snap", "ls"}  # shmfb subcommands run as written
# Where each program's options are described, one place each: its manual
# page (docs/man/, checked against --help by the release_man_* tests), or,
# for a program without one, a page here that must name every option of its
# --help.
MAN_PAGES = {"shmfb", "shmfb-view", "shmfb-vnc", "shmfb-squeak",
             "shmfb-record"}  # shmfb-record is `shmfb record`, in shmfb(1)
OPTION_PAGES = {
    "shmfb-qemu": "docs/qemu.md", "toy-vm": "docs/vm.md",
    "shmfb-bench": "docs/benchmarks.md", "shmfb-viewbench": "docs/benchmarks.md",
    "shmfb-hostbench": "docs/benchmarks.md", "shmfb-vnc-bench": "docs/benchmarks.md",
    "shmfb-gstbench": "docs/benchmarks.md",
}
# With --require-all (SHMFB_REQUIRE_ALL_TESTS) a program that is not built
# fails the test; otherwise its commands are named as not checked.
REQUIRE_ALL = False


def pages(src):
    out = [os.path.join(src, "README.md"), os.path.join(src, "python", "README.md")]
    docs = os.path.join(src, "docs")
    out += sorted(os.path.join(docs, f) for f in os.listdir(docs) if f.endswith(".md"))
    return [p for p in out if os.path.exists(p)]


def slug(heading):
    """GitHub's anchor for a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    out = set()
    in_code = False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            out.add(slug(line.lstrip("#")))
    return out


def strip_code(text):
    """The text without fenced code blocks and inline code spans."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def check_links(page, errors):
    text = strip_code(open(page, encoding="utf-8").read())
    here = os.path.dirname(page)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(here, path)) if path else page
        if not os.path.exists(dest):
            errors.append(f"{page}: link to a missing file: {target}")
        elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
            errors.append(f"{page}: link to a missing heading: {target}")


def sh_blocks(page):
    """The lines of every ```sh block, continuation lines joined."""
    out = []
    text = open(page, encoding="utf-8").read()
    for block in re.findall(r"```(?:sh|bash)\n(.*?)```", text, flags=re.S):
        block = block.replace("\\\n", " ")
        out += [line for line in block.split("\n") if line.strip()]
    return out


def commands(line):
    """The simple commands of a shell line: (words, runs in background)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.commenters = "#"
    lexer.whitespace_split = True
    words, out = [], []
    for tok in lexer:
        if tok in (";", "&", "&&", "|", "||"):
            if words:
                out.append((words, tok == "&"))
            words = []
        else:
            words.append(tok)
    if words:
        out.append((words, False))
    return out


def program_in(words):
    """(index, name) of the first word naming a program of the project."""
    for i, w in enumerate(words):
        if os.path.basename(w) in PROGRAMS and "=" not in w:
            return i, os.path.basename(w)
    return None, None


class Helps:
    def __init__(self, binaries, errors):
        self.binaries, self.errors, self.cache = binaries, errors, {}

    def text(self, prog, sub):
        key = (prog, sub)
        if key not in self.cache:
            exe = self.binaries.get(prog)
            if exe is None:
                if REQUIRE_ALL:
                    self.errors.append(f"{prog}: not found in the build tree")
                else:
                    print(f"not checked: {prog} is not built here")
                self.cache[key] = None
                return None
            argv = [exe] + ([sub] if sub else []) + ["--help"]
            r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            if r.returncode != 0:
                self.errors.append(f"{' '.join(argv[1:])} of {prog}: exit {r.returncode}")
            self.cache[key] = r.stdout + r.stderr
        return self.cache[key]


def check_command(page, words, helps, errors, found):
    i, prog = program_in(words)
    if prog is None:
        return
    args = words[i + 1:]
    sub = None
    if prog == "shmfb" and args and not args[0].startswith("-"):
        sub, args = args[0], args[1:]
    rest = None
    if "--" in args:
        k = args.index("--")
        args, rest = args[:k], args[k + 1:]
    found.append((prog, sub))
    help_text = helps.text(prog, sub)
    if help_text is not None:
        for a in args:
            if not a.startswith("-") or a == "-":
                continue
            opt = a.split("=", 1)[0]
            if opt.startswith("--"):
                ok = re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", help_text)
            else:
                ok = re.search(r"(?<![\w-])" + re.escape(opt) + r"(?![\w-])", help_text)
            if not ok:
                name = prog + (" " + sub if sub else "")
                errors.append(f"{page}: `{' '.join(words)}`: {name} --help has no {opt}")
    if rest:
        check_command(page, rest, helps, errors, found)


def run_safe(page, lines, binaries, errors):
    """Runs the page's shmfb demo/snap/ls commands as written, in order."""
    tmp = tempfile.mkdtemp(prefix="shmfb-docs-")
    run = os.path.join(tmp, "run")
    os.mkdir(run, 0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=run)
    background = []
    try:
        for line in lines:
            for words, bg in commands(line):
                i, prog = program_in(words)
                if (prog != "shmfb" or "shmfb" not in binaries or i + 1 >= len(words)
                        or words[i + 1] not in RUNNABLE):
                    continue
                argv = [binaries["shmfb"]] + words[i + 1:]
                if bg:
                    background.append(subprocess.Popen(argv, cwd=tmp, env=env,
                                                       stdout=subprocess.DEVNULL))
                    # A reader types the next command after the producer
                    # started; wait (bounded) until it holds its name.
                    deadline = time.monotonic() + 10
                    while (time.monotonic() < deadline and background[-1].poll() is None
                           and not any(f.endswith(".sock") for _, _, fs in os.walk(run)
                                       for f in fs)):
                        time.sleep(0.02)
                    continue
                r = subprocess.run(argv, cwd=tmp, env=env, capture_output=True,
                                   text=True, timeout=30)
                if r.returncode != 0:
                    errors.append(f"{page}: `{' '.join(words)}` failed (exit {r.returncode}): "
                                  f"{r.stderr.strip()}")
                elif words[i + 1] == "snap":
                    out = os.path.join(tmp, words[i + 3])
                    with open(out, "rb") as f:
                        if f.read(8) != b"\x89PNG\r\n\x1a\n":
                            errors.append(f"{page}: `{' '.join(words)}` wrote no PNG")
                print(f"ran: {' '.join(words)}")
        for p in background:
            if p.poll() is not None:
                errors.append(f"{page}: a background command ended early (exit {p.returncode})")
    finally:
        for p in background:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def find_binaries(build):
    out = {}
    for root, dirs, files in os.walk(os.path.abspath(build)):
        dirs[:] = [d for d in dirs if d != "CMakeFiles"]
        for f in files:
            p = os.path.join(root, f)
            if f in PROGRAMS and os.access(p, os.X_OK) and f not in out:
                out[f] = p
    # The shmfb command's build target is shmfb_tool, written as tools/shmfb.
    return out


def option_words(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text)) - {"--help", "--version"}


def check_option_pages(src, helps, errors):
    """Every option of a program without a manual page is named on its page."""
    for prog in sorted(PROGRAMS):
        if prog in MAN_PAGES:
            if prog != "shmfb-record" and not os.path.exists(
                    os.path.join(src, "docs", "man", prog + ".1.scd")):
                errors.append(f"{prog}: no manual page docs/man/{prog}.1.scd")
            continue
        page = OPTION_PAGES.get(prog)
        if page is None:
            errors.append(f"{prog}: neither a manual page nor a page for its options")
            continue
        help_text = helps.text(prog, None)
        if help_text is None:
            continue
        named = option_words(open(os.path.join(src, page), encoding="utf-8").read())
        for opt in sorted(option_words(help_text) - named):
            errors.append(f"{page}: names no {opt} of {prog} --help")


def check(src, build):
    errors, found = [], []
    binaries = find_binaries(build)
    helps = Helps(binaries, errors)
    check_option_pages(src, helps, errors)
    for page in pages(src):
        check_links(page, errors)
        lines = sh_blocks(page)
        for line in lines:
            for words, _ in commands(line):
                check_command(page, words, helps, errors, found)
        run_safe(page, lines, binaries, errors)
    checked = sorted({p + (" " + s if s else "") for p, s in found})
    print(f"{len(pages(src))} pages; commands of {', '.join(checked)} checked against --help")
    return errors


def selftest(src, build):
    """A broken copy of the pages must be reported, each fault by name."""
    src = os.path.abspath(src)
    tmp = tempfile.mkdtemp(prefix="shmfb-docs-self-")
    try:
        for rel in ["README.md", "docs", "python/README.md"]:
            s, d = os.path.join(src, rel), os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(d), exist_ok=True)
            (shutil.copytree if os.path.isdir(s) else shutil.copy)(s, d)
        # Links from the copy reach the tree's other files through links.
        for name in os.listdir(src):
            if not os.path.exists(os.path.join(tmp, name)):
                os.symlink(os.path.join(src, name), os.path.join(tmp, name))
        errors = check(tmp, build)
        if errors:
            print("selftest: the unbroken copy fails already:", *errors, sep="\n  ")
            return 1
        readme = os.path.join(tmp, "README.md")
        text = open(readme, encoding="utf-8").read()
        text += ("\n[gone](docs/no-such-page.md) [bad anchor](docs/pacing.md#no-such-heading)\n"
                 "\n```sh\ntools/shmfb ls --no-such-option\n"
                 "viewer/shmfb-view --scale 2 -- tools/shmfb demo --frobnicate\n"
                 "tools/shmfb snap /nobody-draws-this out.png --timeout 100\n```\n")
        open(readme, "w", encoding="utf-8").write(text)
        qemu = os.path.join(tmp, "docs", "qemu.md")
        text = open(qemu, encoding="utf-8").read().replace("--stats", "--statistics")
        open(qemu, "w", encoding="utf-8").write(text)
        errors = check(tmp, build)
        want = ["docs/qemu.md: names no --stats of shmfb-qemu --help",
                "missing file: docs/no-such-page.md", "missing heading: docs/pacing.md#no-such",
                "shmfb ls --help has no --no-such-option", "shmfb demo --help has no --frobnicate",
                "`tools/shmfb ls --no-such-option` failed (exit 2)",
                "`tools/shmfb snap /nobody-draws-this out.png --timeout 100` failed"]
        missed = [w for w in want if not any(w in e for e in errors)]
        for e in errors:
            print("reported:", e)
        if missed or len(errors) != len(want):
            print("selftest: expected exactly these reports, missing:", missed)
            return 1
        print(f"selftest: all {len(want)} faults of the broken copy reported")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    global REQUIRE_ALL
    if len(argv) > 1 and argv[1] == "--require-all":
        REQUIRE_ALL = True
        argv = argv[:1] + argv[2:]
    if len(argv) == 4 and argv[1] == "--selftest":
        return selftest(argv[2], argv[3])
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    errors = check(argv[1], argv[2])
    for e in errors:
        print("docs:", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

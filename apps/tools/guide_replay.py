#!/usr/bin/python3
"""Replays docs/guide.md as a new user would and prints a transcript to compare with the guide.

Run from the repository root after building (build/release):

    /usr/bin/python3 apps/tools/guide_replay.py [--all] > guide-transcript.txt

Every ```sh block runs in order in one bash session (so `export PATH=...` and `$!` carry over),
each line echoed as `$ line` before its output (stdout and stderr together). A ```toml or
```python block is first written to the file the text before it names ("Save ... as `NAME`");
a file described as "a copy of `my-study.toml` without its `[[sweep]]`, followed by ..." is
built that way. Blocks right after an `<!-- unverified: ... -->` comment are skipped and
reported (remove the comment once a command has been run and its output quoted). Blocks that
build or test (./run.sh, cmake, ctest) are skipped unless --all is given.

The guide's commands write files in the repository root (my-*.toml, read_demo.py, shard files)
and in results/; the replay leaves them there, as the guide does. As root, mpirun needs
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the environment. Some commands
fail on purpose (an existing output, a pending checkpoint); read the transcript, not the exit
status.
"""
import re
import subprocess
import sys

GUIDE = "docs/guide.md"


def main():
    include_build = "--all" in sys.argv[1:]
    text = open(GUIDE, encoding="utf-8").read()
    blocks = list(re.finditer(r"^```(\w+)\n(.*?)^```", text, re.S | re.M))
    script = ["set +e", "exec 2>&1"]
    files = {}
    for i, block in enumerate(blocks):
        lang, body = block.group(1), block.group(2)
        before = text[blocks[i - 1].end() if i else 0:block.start()]
        if re.search(r"<!-- unverified[^>]*-->\s*$", before):
            first = body.splitlines()[0] if body.strip() else ""
            script.append(f"echo {quote(f'##### skipped (unverified): {first} ...')}")
            continue
        if lang in ("toml", "python"):
            names = re.findall(r"[Ss]ave (?:this )?as\s+`([^`]+)`", before)
            if not names:
                continue
            name, content = names[-1], body
            copy = re.search(r"a copy of\s+`([^`]+)`\s+without its\s+`\[\[sweep\]\]`", before)
            if copy:
                base = files[copy.group(1)]
                content = base[:base.index("[[sweep]]")] + body
            files[name] = content
            script.append(f"echo {quote(f'##### wrote {name}')}")
            script.append(f"cat > {name} <<'GUIDE_REPLAY_EOF'\n{content}GUIDE_REPLAY_EOF")
        elif lang == "sh":
            if not include_build and re.search(r"\./run\.sh|^cmake |^ctest ", body, re.M):
                script.append(f"echo {quote('##### skipped (build; --all runs it)')}")
                continue
            for line in body.splitlines():
                script.append(f"echo {quote('$ ' + line)}")
                script.append(line)
    return subprocess.run(["bash", "-c", "\n".join(script) + "\n"], check=False).returncode


def quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


if __name__ == "__main__":
    sys.exit(main())

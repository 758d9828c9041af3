"""qmp.py SOCKET COMMAND [JSON-ARGUMENTS] ...: runs QMP commands on a QEMU
monitor socket in order; prints each answer's "return" as JSON on a line;
exits 1 at the first "error" (said on stderr), 2 on a usage error."""
import json
import socket
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(argv[1])
    f = s.makefile("rwb")
    f.readline()  # the greeting

    def execute(cmd, args=None):
        msg = {"execute": cmd}
        if args is not None:
            msg["arguments"] = args
        f.write((json.dumps(msg) + "\n").encode())
        f.flush()
        while True:
            line = f.readline()
            if not line:
                raise SystemExit("qmp.py: the monitor closed")
            answer = json.loads(line)
            if "return" in answer or "error" in answer:
                return answer

    execute("qmp_capabilities")
    rest = argv[2:]
    while rest:
        cmd, rest = rest[0], rest[1:]
        args = None
        if rest and rest[0].startswith("{"):
            args, rest = json.loads(rest[0]), rest[1:]
        answer = execute(cmd, args)
        if "error" in answer:
            print("qmp.py: %s: %s" % (cmd, answer["error"].get("desc")), file=sys.stderr)
            return 1
        print(json.dumps(answer["return"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
# The sandbox's console on a terminal (a pseudo-terminal here): line editing
# and history through libedit.  A step typed, then recalled with the up
# arrow, runs twice; the history survives in DIR/history.
# Usage: console-pty.py SGP32LAB DIR
import os
import pty
import select
import sys
import time

lab, folder = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(lab, [lab, "serve", "--dir", folder])
out = b""


def read_until(pattern, timeout=20.0):
    """Read the terminal until pattern appears (True) or timeout (False)."""
    global out
    end = time.time() + timeout
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return False
            if pattern in out:
                return True
    return False


def fail(why):
    print("FAIL console: %s\n%s" % (why, out.decode(errors="replace")))
    os.kill(pid, 9)
    sys.exit(1)


if not read_until(b"sgp32lab> "):
    fail("no prompt")
os.write(fd, b"lab roles=euicc devices=1\r")
if not read_until(b"\nok"):
    fail("lab step not answered")
os.write(fd, b"expect euicc @1 profiles count=0\r")
if not read_until(b"ok: 0 profiles"):
    fail("expect step not answered")
os.write(fd, b"\x1b[A\r")          # up arrow: the same line again
end = time.time() + 20
while out.count(b"ok: 0 profiles") < 2 and time.time() < end:
    read_until(b"ok: 0 profiles", 0.5)
if out.count(b"ok: 0 profiles") < 2:
    fail("the line recalled from the history did not run")
os.write(fd, b"quit\r")
_, status = os.waitpid(pid, 0)
if status != 0:
    fail("serve exited with status %d" % status)
with open(os.path.join(folder, "history")) as f:
    history = f.read()
if "profiles" not in history:
    fail("no history saved: %r" % history)
print("ok   console: line editing and history on a terminal")

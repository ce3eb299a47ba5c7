"""Drives a command through a real pseudo-terminal (Python's stdlib pty) and prints one JSON report.

Usage: pty_session.py SCRIPT_JSON -- COMMAND [ARGS...]
SCRIPT_JSON is a list of steps, each one of
  {"send": "text"}                      keystrokes ("\\t" for tab, "\\x03" for Ctrl-C, "\\r" for Enter)
  {"expect": "regex", "timeout": 20}    wait until the output since the last expect matches
  {"sleep": 0.5}
The report: {"ok": bool, "failed_step": index or null, "output": everything the terminal showed,
"steps": [output seen by each expect]}. Expectations match the output with ANSI escapes and
carriage returns taken out. The command gets a 120x40 terminal.
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

script = json.loads(sys.argv[1])
command = sys.argv[sys.argv.index('--') + 1:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
output = ''
mark = 0
steps = []
report = {'ok': True, 'failed_step': None}


ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')


def clean():
    return ANSI.sub('', output).replace('\r', '')


def read(timeout):
    global output
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return False
    try:
        data = os.read(fd, 65536)
    except OSError:
        return None
    if not data:
        return None
    output += data.decode('utf8', 'replace')
    return True


for i, step in enumerate(script):
    if 'send' in step:
        os.write(fd, step['send'].encode())
    elif 'sleep' in step:
        end = time.time() + step['sleep']
        while time.time() < end:
            read(max(0, end - time.time()))
    elif 'expect' in step:
        pattern = re.compile(step['expect'], re.S)
        end = time.time() + step.get('timeout', 20)
        while not pattern.search(clean(), mark):
            left = end - time.time()
            if left <= 0 or read(left) is None:
                break
        found = pattern.search(clean(), mark)
        steps.append(clean()[mark:])
        if not found:
            report.update(ok=False, failed_step=i)
            break
        mark = found.end()

# let the command finish (or stop it)
end = time.time() + 10
while time.time() < end:
    if read(0.2) is None:
        break
    done, _ = os.waitpid(pid, os.WNOHANG)
    if done:
        break
else:
    os.kill(pid, signal.SIGKILL)
try:
    os.waitpid(pid, 0)
except ChildProcessError:
    pass
report.update(output=output, steps=steps)
print(json.dumps(report))

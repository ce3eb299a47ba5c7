"""Kernel benchmark driven by jupyter_client: startup to the first kernel_info_reply, a trivial
cell's round trip (median of 50), a 200-line typed cell, and the kernel's memory after start.
Usage: kernel_bench.py KERNEL_NAME (JUPYTER_DATA_DIR holds the kernelspecs). Prints JSON."""
import json
import statistics
import sys
import time

import jupyter_client

name = sys.argv[1]
t0 = time.perf_counter()
km = jupyter_client.KernelManager(kernel_name=name)
km.start_kernel()
kc = km.client()
kc.start_channels()
# startup: to the reply of the first kernel_info_request (queued until the kernel binds).
# wait_for_ready is not timed: it adds its own fixed 0.2 s waits on iopub.
first = kc.kernel_info()
while True:
    m = kc.get_shell_msg(timeout=120)
    if m['parent_header'].get('msg_id') == first:
        break
startup = time.perf_counter() - t0
kc.wait_for_ready(timeout=120)


def run(code):
    t = time.perf_counter()
    reply = kc.execute(code, reply=True, timeout=60)
    assert reply['content']['status'] == 'ok', reply['content']
    return time.perf_counter() - t


run('1 + 1')
trivial = statistics.median(run('1 + 1') for _ in range(50))
lines = ['interface P%d { a: number; b: string }\nconst p%d: P%d = { a: %d, b: "x" }' % (i, i, i, i) for i in range(100)]
# the same cell run again redeclares its names (median of 5)
typed = statistics.median(run('\n'.join(lines) + '\np99.a') for _ in range(5))
pid = km.provisioner.process.pid
rss = 0
for line in open('/proc/%d/status' % pid):
    if line.startswith('VmRSS:'):
        rss = int(line.split()[1]) / 1024
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps({'startup_s': startup, 'trivial_ms': trivial * 1000, 'typed200_ms': typed * 1000, 'rss_mib': rss}))

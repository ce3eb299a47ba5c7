"""Kernel benchmark driven by jupyter_client: startup to the first kernel_info_reply, a trivial
cell's round trip to its execute_reply (median of 50), a 200-line typed cell, and the kernel's memory after start.
Usage: kernel_bench.py KERNEL_NAME [REST_SECONDS] (JUPYTER_DATA_DIR holds the kernelspecs). Prints JSON."""
import json
import statistics
import sys
import time

import jupyter_client
from jupyter_client.provisioning import KernelProvisionerFactory

name = sys.argv[1]
# jupyter_client imports most of itself on the first start (kernelspecs, provisioners): that is the
# harness, not the kernel, so it is loaded before the clock starts
warm = jupyter_client.KernelManager(kernel_name=name)
KernelProvisionerFactory.instance().create_provisioner_instance('warm-up', warm.kernel_spec, parent=warm)
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
# distinct cells, so that no kernel answers from a cache of the last check or compilation
trivial = statistics.median(run('%d + 1' % i) for i in range(50))
lines = ['interface P%d { a: number; b: string }\nconst p%d: P%d = { a: %d, b: "x" }' % (i, i, i, i) for i in range(100)]
typed_cell = '\n'.join(lines) + '\np99.a // run %d'
# the same cell run again redeclares its names (median of 5)
typed = statistics.median(run(typed_cell % i) for i in range(5))


def checked(code):
    """To the cell's idle status: its type warnings, if any, are in by then."""
    t = time.perf_counter()
    reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: None)
    assert reply['content']['status'] == 'ok', reply['content']
    return time.perf_counter() - t


# cells sent one after the other's idle (as nbclient does); the first two let earlier checks finish
checked('0')
checked('0')
typed_checked = statistics.median(checked(typed_cell % (10 + i)) for i in range(5))
pid = km.provisioner.process.pid


def rss_mib():
    for line in open('/proc/%d/status' % pid):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return 0


rss = rss_mib()
# and at rest: V8 gives memory back some seconds after the last cell (argv[2]: how long to wait)
rest = float(sys.argv[2]) if len(sys.argv) > 2 else 0
if rest:
    time.sleep(rest)
rest_rss = rss_mib() if rest else None
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps({'startup_s': startup, 'trivial_ms': trivial * 1000, 'typed200_ms': typed * 1000, 'typed200_checked_ms': typed_checked * 1000, 'rss_mib': rss, 'rest_rss_mib': rest_rss}))

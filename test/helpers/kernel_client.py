"""Drives the dj kernel through Debian's jupyter_client and prints one JSON report.

Run by test/integration/kernel.test.ts with JUPYTER_DATA_DIR pointing at a folder that holds
the kernelspec "dj".
"""
import json
import queue
import sys
import time

import jupyter_client
from jupyter_client.session import Session

report = {}


def run(kc, code, **kw):
    outs = []
    msg_id = kc.execute(code, **kw)
    while True:
        m = kc.get_iopub_msg(timeout=20)
        if m['parent_header'].get('msg_id') != msg_id:
            continue
        t = m['msg_type']
        if t == 'status':
            outs.append(['status', m['content']['execution_state']])
            if m['content']['execution_state'] == 'idle':
                break
        elif t == 'stream':
            outs.append([t, m['content']['name'], m['content']['text']])
        elif t in ('execute_result', 'display_data', 'update_display_data'):
            outs.append([t, m['content']['data']] + ([m['content']['transient']['display_id']] if m['content'].get('transient') else []))
        elif t == 'error':
            outs.append([t, m['content']['ename'], m['content']['evalue']])
        elif t == 'execute_input':
            outs.append([t, m['content']['execution_count']])
    reply = kc.get_shell_msg(timeout=20)
    return {'status': reply['content']['status'], 'count': reply['content'].get('execution_count'), 'outputs': outs}


km, kc = jupyter_client.manager.start_new_kernel(kernel_name='dj', startup_timeout=60)
info = kc.kernel_info(reply=True, timeout=20)['content']
report['info'] = {k: info[k] for k in ('implementation', 'protocol_version')} | {'language': info['language_info']['name']}
report['typed'] = run(kc, 'const x: number = 21\nx * 2')
report['stream'] = run(kc, 'console.log("hello"); console.error("oops"); 1')
report['error'] = run(kc, 'throw new TypeError("boom")')
run(kc, 'const x = 5\nclass K { v = 1 }')
report['redeclare'] = run(kc, 'class K { v = 2 }\nx + new K().v')
report['await'] = run(kc, 'await new Promise(r => setTimeout(r, 50)); "awaited"')
report['display'] = run(kc, 'display.html("<b>hi</b>"); const h = display("first"); h.update("second"); undefined')
report['silent'] = run(kc, '"quiet"', silent=True)
report['query'] = run(kc, sys.argv[1])
report['complete'] = kc.complete('dj.sch', 6, reply=True, timeout=20)['content']['matches']
kc.is_complete('class A {')
report['is_complete'] = kc.get_shell_msg(timeout=20)['content']
kc.inspect('x', 1)
report['inspect'] = kc.get_shell_msg(timeout=20)['content']['found']
kc.history(hist_access_type='tail', n=3)
report['history'] = len(kc.get_shell_msg(timeout=20)['content']['history'])

# a message signed with the wrong key gets no reply and changes nothing
bad = Session(key=b'not-the-key', username='intruder')
bad.send(kc.shell_channel.socket, 'execute_request', {'code': 'globalThis.hacked = 1', 'silent': False, 'store_history': True, 'user_expressions': {}, 'allow_stdin': False, 'stop_on_error': True})
try:
    kc.get_shell_msg(timeout=1.5)
    report['bad_signature_replied'] = True
except queue.Empty:
    report['bad_signature_replied'] = False
report['after_bad'] = run(kc, 'typeof globalThis.hacked')

# interrupt (message mode) stops a pending await and keeps the session
msg_id = kc.execute('await new Promise(() => {})')
time.sleep(0.5)
km.interrupt_kernel()
report['interrupted'] = kc.get_shell_msg(timeout=20)['content'].get('ename')
while True:
    m = kc.get_iopub_msg(timeout=20)
    if m['parent_header'].get('msg_id') == msg_id and m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle':
        break
report['after_interrupt'] = run(kc, 'x')

km.restart_kernel(now=False)
kc.wait_for_ready(timeout=60)
report['after_restart'] = run(kc, 'typeof x')
kc.stop_channels()
km.shutdown_kernel(now=False)
print(json.dumps(report))

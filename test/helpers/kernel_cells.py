"""Runs cells on the dj kernel through Debian's jupyter_client and prints one JSON report.

Usage: kernel_cells.py CELLS_JSON, a list of {"code": "...", "input": "answer"?, "interrupt_on": "text"?}
(or {"complete"|"inspect": code, "cursor": n}, reported as the reply's matches or data; or
{"queue": [code, ...]}, sent without waiting, reported as the replies' statuses, the cells' stderr and their errors' evalue).
A cell that asks for input gets "answer" (and the prompt is recorded); a cell with interrupt_on is
interrupted once its output shows that text, one with interrupt_after (seconds) after that long;
DJ_KERNEL_NAME names the kernelspec (default dj). The report is a list with, for each cell:
{"status", "outputs": [[type, ...]], "prompts": [[prompt, password]]}; display_data and
update_display_data carry their transient (display_id) third.
JUPYTER_DATA_DIR must hold the kernelspec "dj".
"""
import json
import os
import queue
import sys
import time

import jupyter_client

cells = json.loads(sys.argv[1])
km, kc = jupyter_client.manager.start_new_kernel(kernel_name=os.environ.get('DJ_KERNEL_NAME', 'dj'))
report = []
try:
    for cell in cells:
        # {"complete": code, "cursor": n} and {"inspect": code, "cursor": n} ask instead of running
        if 'complete' in cell:
            c = kc.complete(cell['complete'], cell['cursor'], reply=True, timeout=30)['content']
            report.append({'status': c['status'], 'matches': c['matches'], 'start': c['cursor_start'], 'end': c['cursor_end']})
            continue
        if 'queue' in cell:
            # {"queue": [code, ...]}: sent at once, without waiting; the replies' statuses are reported
            ids = [kc.execute(code) for code in cell['queue']]
            statuses = {}
            while len(statuses) < len(ids):
                m = kc.get_shell_msg(timeout=30)
                if m['parent_header'].get('msg_id') in ids:
                    statuses[m['parent_header']['msg_id']] = m['content']['status']
            # and each one's stderr, up to its idle status
            stderr = {i: '' for i in ids}
            errors = {i: '' for i in ids}
            idle = set()
            while len(idle) < len(ids):
                m = kc.get_iopub_msg(timeout=30)
                parent = m['parent_header'].get('msg_id')
                if parent not in stderr:
                    continue
                if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle':
                    idle.add(parent)
                elif m['msg_type'] == 'stream' and m['content']['name'] == 'stderr':
                    stderr[parent] += m['content']['text']
                elif m['msg_type'] == 'error':
                    errors[parent] = m['content']['evalue']
            report.append({'status': 'ok', 'statuses': [statuses[i] for i in ids], 'stderr': [stderr[i] for i in ids], 'errors': [errors[i] for i in ids], 'outputs': []})
            continue
        if 'inspect' in cell:
            c = kc.inspect(cell['inspect'], cell['cursor'], reply=True, timeout=30)['content']
            report.append({'status': c['status'], 'found': c['found'], 'data': c['data']})
            continue
        msg_id = kc.execute(cell['code'], allow_stdin='input' in cell)
        outs, prompts = [], []
        idle = False
        interrupted = False
        started = time.monotonic()
        while not idle:
            if cell.get('interrupt_after') and not interrupted and time.monotonic() - started > cell['interrupt_after']:
                km.interrupt_kernel()
                interrupted = True
            if 'input' in cell:
                try:
                    m = kc.get_stdin_msg(timeout=0.05)
                    prompts.append([m['content']['prompt'], m['content']['password']])
                    kc.input(cell['input'])
                except queue.Empty:
                    pass
            try:
                m = kc.get_iopub_msg(timeout=0.05 if 'input' in cell or 'interrupt_after' in cell else 30)
            except queue.Empty:
                if 'input' in cell or ('interrupt_after' in cell and time.monotonic() - started < 60):
                    continue
                raise
            if m['parent_header'].get('msg_id') != msg_id:
                continue
            t = m['msg_type']
            c = m['content']
            if t == 'status' and c['execution_state'] == 'idle':
                idle = True
            elif t == 'stream':
                outs.append([t, c['name'], c['text']])
                if cell.get('interrupt_on') and not interrupted and cell['interrupt_on'] in c['text']:
                    km.interrupt_kernel()
                    interrupted = True
            elif t == 'execute_result':
                outs.append([t, c['data']])
            elif t in ('display_data', 'update_display_data'):
                outs.append([t, c['data'], c.get('transient', {})])
            elif t == 'error':
                outs.append([t, c['ename'], c['evalue'], c['traceback']])
        reply = kc.get_shell_msg(timeout=30)
        report.append({'status': reply['content']['status'], 'outputs': outs, 'prompts': prompts})
    complete = kc.complete('%sc', 3, reply=True, timeout=10)['content']
    statuses = []
    for code in ['%%table Foo\nx : int32', '%%table Foo\nx : int32\n\n', '%schema x']:
        kc.is_complete(code)
        statuses.append(kc.get_shell_msg(timeout=10)['content']['status'])
    report.append({'complete': complete['matches'], 'is_complete': statuses})
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps(report))

/**
 * Populate progress in a notebook: one display per populate task (an HTML <progress> bar and a
 * text line for front ends without HTML), updated in place with update_display_data. No widgets:
 * every front end and nbconvert show it.
 */
import type { PopulateEvent, PopulateTask } from '../../runtime/index.js'

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The display of a task after an event: the bar while it runs, the outcome when it has ended. */
export function progressBundle(task: PopulateTask, e: PopulateEvent | null): { 'text/plain': string; 'text/html': string } {
  if (!e) {
    // shown before the keys are listed, so that it lands under the cell that started the task
    const text = `populate ${task.id} of ${task.table}: listing the keys`
    return {
      'text/plain': text,
      'text/html': `<div class="dj-populate" data-task="${task.id}" data-status="running" style="font-family:monospace;font-size:12px"><progress style="width:16em;vertical-align:middle"></progress> <span>${esc(text)}</span></div>`,
    }
  }
  const total = e.total
  const done = e.type === 'start' ? 0 : e.done
  const failed = e.type === 'start' ? 0 : e.failed
  const text = task.status === 'running' && e.type !== 'end' ? runningLine(task, e) : task.summary()
  const colour = task.status === 'failed' ? '#b00020' : task.status === 'cancelled' ? '#8a6d00' : failed ? '#8a6d00' : 'inherit'
  const errors = task.errors.slice(-3).map((x) => `<div style="color:#b00020">${esc(JSON.stringify(x.key))}: ${esc(x.error)}</div>`).join('')
  const html =
    `<div class="dj-populate" data-task="${task.id}" data-status="${task.status}" style="font-family:monospace;font-size:12px">` +
    `<progress value="${done}" max="${Math.max(total, 1)}" style="width:16em;vertical-align:middle"></progress> ` +
    `<span style="color:${colour}">${esc(text)}</span>${errors}</div>`
  return { 'text/plain': text, 'text/html': html }
}

function runningLine(task: PopulateTask, e: PopulateEvent): string {
  if (e.type === 'start') return `populate ${task.id} of ${task.table}: 0/${e.total}`
  const eta = e.eta !== null ? `, ${Math.round(e.eta)} s to go` : ''
  return `populate ${task.id} of ${task.table}: ${e.done}/${e.total}${e.failed ? `, ${e.failed} failed` : ''}, ${e.rate.toFixed(1)} keys/s${eta}`
}

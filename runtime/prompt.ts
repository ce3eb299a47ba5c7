/**
 * Confirmations asked in safemode (delete, drop, alter, schema drop). The question goes to the
 * installed prompter: the terminal by default, the notebook's input box in the kernel. Without a
 * terminal (CI, scripts, workers) nothing can answer, so the operation stops with
 * ConfirmationRequired instead of waiting forever.
 */
import { createInterface } from 'node:readline/promises'
import { ConfirmationRequired } from './errors.js'

export type Prompter = (question: string) => Promise<string>

let prompter: Prompter | null = null

/** Installs how questions are asked (the kernel and REPL install theirs); null restores the default. */
export function setPrompter(next: Prompter | null): void {
  prompter = next
}

async function terminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return await rl.question(question)
  } finally {
    rl.close()
  }
}

/** Asks a yes/no question whose default is no; true only for an explicit "yes". */
export async function confirm(question: string, howToSkip: string): Promise<boolean> {
  const ask = prompter ?? (process.stdin.isTTY && !process.env.CI ? terminal : null)
  if (!ask) {
    throw new ConfirmationRequired(`${question.replace(/\s*\[.*$/, '')}: confirmation needed, but there is no terminal to ask.`, { hint: howToSkip })
  }
  const answer = (await ask(question)).trim().toLowerCase()
  return answer === 'yes' || answer === 'y'
}

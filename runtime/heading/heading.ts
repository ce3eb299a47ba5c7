/** A heading: the ordered attributes of a table or query, with the primary key marked. */
import type { Attribute } from './attribute.js'

export class Heading {
  readonly #attributes: readonly Attribute[]
  readonly #byName: ReadonlyMap<string, Attribute>
  /** the table comment (empty for derived headings) */
  readonly comment: string

  /** whether lineage is known (2.x schemas); joins check it only then */
  readonly lineageAvailable: boolean

  // computed once: headings are immutable and these are read on every operation
  readonly #visible: Attribute[]
  readonly #names: string[]
  readonly #key: string[]
  readonly #secondary: string[]

  constructor(attributes: readonly Attribute[], comment = '', lineageAvailable = false) {
    this.#attributes = attributes
    this.#byName = new Map(attributes.map((a) => [a.name, a]))
    this.comment = comment
    this.lineageAvailable = lineageAvailable
    this.#visible = attributes.filter((a) => !a.isHidden)
    this.#names = this.#visible.map((a) => a.name)
    this.#key = this.#visible.filter((a) => a.inKey).map((a) => a.name)
    this.#secondary = this.#visible.filter((a) => !a.inKey).map((a) => a.name)
  }

  /** A heading of the given visible attributes (hidden ones dropped), keeping lineage availability. */
  derive(attributes: readonly Attribute[]): Heading {
    return new Heading(attributes, '', this.lineageAvailable)
  }

  /** visible attributes in order (hidden `_` columns excluded) */
  get attributes(): Attribute[] {
    return [...this.#visible]
  }
  /** every column including hidden ones */
  get allAttributes(): readonly Attribute[] {
    return this.#attributes
  }
  get names(): string[] {
    return [...this.#names]
  }
  get primaryKey(): string[] {
    return [...this.#key]
  }
  get secondaryAttributes(): string[] {
    return [...this.#secondary]
  }
  has(name: string): boolean {
    const a = this.#byName.get(name)
    return a !== undefined && !a.isHidden
  }
  get(name: string): Attribute | undefined {
    return this.#byName.get(name)
  }

  toString(): string {
    const lines: string[] = []
    if (this.comment) lines.push(`# ${this.comment}`)
    const fmt = (a: Attribute) => {
      const def = a.nullable ? '=null' : a.default !== null ? `=${a.default}` : ''
      return `${(a.name + def).padEnd(20)} : ${a.type.padEnd(28)}${a.comment ? ' # ' + a.comment : ''}`.trimEnd()
    }
    const key = this.attributes.filter((a) => a.inKey)
    const rest = this.attributes.filter((a) => !a.inKey)
    lines.push(...key.map(fmt), '---', ...rest.map(fmt))
    return lines.join('\n')
  }
}

/**
 * The TypeScript values of DataJoint blobs. Each keeps what distinguishes its encoding, so that a
 * blob written by Python or MATLAB unpacks to a value that packs back to the same bytes:
 * integers are `bigint` (Python int), floats `number`, tuples `Tuple`, dicts `Map`, numpy and
 * MATLAB arrays `NDArray` (dtype, shape, column-major typed data), cells `MatCell`, structs
 * `MatStruct`, record arrays `RecArray`, and the scalar types below.
 */

export type DType =
  | 'bool' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'float32' | 'float64' | 'char' | 'object' | `datetime64[${DateUnit}]`

export const DATE_UNITS = ['Y', 'M', 'W', 'D', 'h', 'm', 's', 'ms', 'us', 'ns', 'ps', 'fs', 'as'] as const
export type DateUnit = (typeof DATE_UNITS)[number]

export type NumericData =
  | Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array

/**
 * An n-dimensional array as numpy and MATLAB store it: `data` in column-major order (the first
 * index varies fastest). `imag` holds the imaginary parts of complex arrays. `char` arrays hold
 * UTF-16 code units (MATLAB text); `object` arrays hold any blob values. A 0-d array (`shape: []`)
 * is a numpy scalar.
 */
export class NDArray {
  constructor(
    readonly dtype: DType,
    readonly shape: readonly number[],
    readonly data: NumericData | unknown[],
    readonly imag: Float64Array | Float32Array | null = null,
  ) {}

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1)
  }

  /** The element at a (column-major) multi-index. */
  at(...index: number[]): unknown {
    let offset = 0
    let stride = 1
    index.forEach((i, d) => {
      offset += i * stride
      stride *= this.shape[d] ?? 1
    })
    return (this.data as ArrayLike<unknown>)[offset]
  }

  /** A char array as text (MATLAB strings). */
  toString(): string {
    if (this.dtype === 'char') return String.fromCharCode(...(this.data as Uint16Array))
    return `NDArray<${this.dtype}>(${this.shape.join('×')})`
  }

  /** A MATLAB char array (1×n) of the text. */
  static text(s: string): NDArray {
    const units = new Uint16Array(s.length)
    for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i)
    return new NDArray('char', [1, s.length], units)
  }
}

/** A MATLAB cell array: any values, column-major. */
export class MatCell {
  constructor(readonly shape: readonly number[], readonly items: unknown[]) {}
}

/** A MATLAB struct array: one record of field values per element, column-major. */
export class MatStruct {
  constructor(readonly shape: readonly number[], readonly fields: readonly string[], readonly elements: Array<Record<string, unknown>>) {}
}

/** A numpy structured (record) array: one column (an NDArray or nested RecArray) per field. */
export class RecArray {
  constructor(readonly fields: ReadonlyArray<{ name: string; column: NDArray | RecArray }>) {}
  get shape(): readonly number[] {
    return this.fields[0]?.column.shape ?? []
  }
}

/** A Python tuple (an array that packs as a tuple, not a list). */
export class Tuple<T = unknown> extends Array<T> {}

/** `tuple(1, 'a')`: a Python tuple. */
export function tuple<T>(...items: T[]): Tuple<T> {
  const t = new Tuple<T>()
  t.push(...items)
  return t
}

export class Complex {
  constructor(readonly re: number, readonly im: number) {}
}

/** A decimal number, exactly as its text (Python `Decimal`). */
export class Decimal {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

export class UUID {
  readonly value: string
  constructor(value: string) {
    this.value = value.toLowerCase()
  }
  toString(): string {
    return this.value
  }
}

/**
 * A date, a time of day, or both, without time zone (Python date / time / datetime). `date` is
 * `YYYY-MM-DD`; `time` is `HH:MM:SS` with `.ffffff` when the microseconds are not zero.
 */
export class DateTime {
  constructor(readonly date: string | null, readonly time: string | null) {}
  /** The moment in UTC (date-only values at midnight), for arithmetic. */
  toDate(): Date {
    return new Date(`${this.date ?? '1970-01-01'}T${this.time ?? '00:00:00'}Z`)
  }
  toString(): string {
    return [this.date, this.time].filter(Boolean).join('T')
  }
}

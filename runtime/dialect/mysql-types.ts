/** Column types on MySQL/MariaDB: declared type → SQL, and catalog type + comment → logical type. */
import type { CoreType, TypeSpec } from '../definition/types.js'

const CORE_SQL: Partial<Record<CoreType, string>> = {
  int8: 'tinyint',
  int16: 'smallint',
  int32: 'int',
  int64: 'bigint',
  float32: 'float',
  float64: 'double',
  bool: 'tinyint',
  uuid: 'binary(16)',
  json: 'json',
  bytes: 'longblob',
}

export function mysqlColumnType(spec: TypeSpec): string {
  if (spec.category === 'native') return spec.declared
  const core = spec.category === 'codec' ? spec.storage! : spec.core!
  const sql = CORE_SQL[core]
  if (sql) return sql
  // date, datetime(n), char(n), varchar(n), enum(...), decimal(p,s) are written as declared
  return spec.category === 'codec' ? core : spec.declared
}

/** MySQL reports display widths (`int(11)`, `bigint(20) unsigned`); DataJoint shows types without them. */
export function normalizeMysqlType(columnType: string): string {
  return columnType.replace(/^((?:tiny|small|medium|big)?int)\(\d+\)/i, '$1').trim()
}

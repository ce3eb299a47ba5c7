/** One attribute of a heading: catalog facts plus the DataJoint type read from the comment marker. */
import type { CatalogColumn } from '../dialect/dialect.js'
import { normalizeMysqlType } from '../dialect/mysql-types.js'
import { splitMarker } from '../definition/marker.js'
import type { CodecRef } from '../definition/types.js'

export interface Attribute {
  name: string
  /** the DataJoint type: the declared type from the marker, or the native SQL type */
  type: string
  /** the column type as the server reports it */
  sqlType: string
  nullable: boolean
  /** default as the catalog reports it, or null */
  default: string | null
  /** the user's comment, marker removed */
  comment: string
  inKey: boolean
  autoIncrement: boolean
  /** `:type:` marker text found in the column comment, or null */
  marker: string | null
  codec: CodecRef | null
  isHidden: boolean
  isBlob: boolean
  isUuid: boolean
  isJson: boolean
  isBool: boolean
  isNumeric: boolean
  isString: boolean
  isTemporal: boolean
  isAttachment: boolean
  /** 0.14 external reference (`:blob@store:` etc.): the column holds a 16-byte hash */
  isExternal: boolean
  /** 2.x lineage (`schema.table.attribute` of its origin), or null (native secondary, computed) */
  lineage: string | null
}

/** An attribute computed by a query (proj, aggr): typed by what the server returns. */
export function computedAttribute(name: string): Attribute {
  return {
    name, type: 'expression', sqlType: '', nullable: true, default: null, comment: 'calculated attribute', inKey: false,
    autoIncrement: false, marker: null, codec: null, isHidden: false, isBlob: false, isUuid: false, isJson: false,
    isBool: false, isNumeric: false, isString: false, isTemporal: false, isAttachment: false, isExternal: false, lineage: null,
  }
}

const NUMERIC = /^((tiny|small|medium|big)?int|integer|serial|decimal|numeric|float|double|real)\b/i
const STRING = /^((var)?char|enum|(tiny|medium|long)?text|set)\b/i
const TEMPORAL = /^(date|datetime|time|timestamp|year)\b/i

export function attributeFromCatalog(c: CatalogColumn, lineage: string | null = null): Attribute {
  const { type: marker, comment } = splitMarker(c.comment)
  const sqlType = normalizeMysqlType(c.columnType)
  let type = marker ?? sqlType
  let codec: CodecRef | null = null
  let isExternal = false
  let isAttachment = false
  const cm = marker ? /^<\s*([\w-]+)\s*(?:@\s*([^>\s]*))?\s*>$/.exec(marker) : null
  if (cm) {
    codec = { name: cm[1]!, store: cm[2] ?? null }
    isAttachment = codec.name === 'attach'
  } else if (marker) {
    // 0.14 special types
    const legacy = /^(blob|attach|filepath)@([\w-]+)$/.exec(marker)
    if (legacy) {
      isExternal = true
      isAttachment = legacy[1] === 'attach'
      codec = { name: legacy[1]!, store: legacy[2]! }
    } else if (marker === 'attach') {
      isAttachment = true
      codec = { name: 'attach', store: null }
    }
  }
  const lowerSql = sqlType.toLowerCase()
  const isBlob = /blob|bytea/.test(lowerSql) || codec?.name === 'blob'
  if (!marker && /^(tiny|medium|long)?blob$/.test(lowerSql)) {
    // 0.14 internal blobs carry no marker; the column is a serialized blob
    codec = { name: 'blob', store: null }
    type = lowerSql
  }
  const isUuid = marker === 'uuid'
  const isJson = marker === 'json' || marker === 'jsonb' || (!marker && lowerSql === 'json')
  return {
    name: c.name,
    type,
    sqlType,
    nullable: c.nullable,
    default: c.default,
    comment,
    inKey: c.inKey,
    autoIncrement: c.autoIncrement,
    marker,
    codec,
    isHidden: c.name.startsWith('_'),
    isBlob,
    isUuid,
    isJson,
    isBool: marker === 'bool',
    isNumeric: !isUuid && !codec && NUMERIC.test(lowerSql),
    isString: !codec && STRING.test(lowerSql),
    isTemporal: TEMPORAL.test(lowerSql),
    isAttachment,
    isExternal,
    lineage,
  }
}

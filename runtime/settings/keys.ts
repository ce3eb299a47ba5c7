/**
 * Every setting DataJoint knows: its default, how a value is checked, and the environment variable
 * that sets it. Keys are spelled as datajoint-python spells them (dotted, snake_case) so that the
 * same `dj_local_conf.json` / `datajoint.json` files configure both implementations.
 */

export type Kind =
  | { type: 'string' }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'tls' }
  | { type: 'object' }

export interface KeySpec {
  default: unknown
  kind: Kind
  nullable?: boolean
  env?: string
  secret?: boolean
  help: string
}

const str = { type: 'string' } as const
const int = { type: 'int' } as const
const bool = { type: 'boolean' } as const

export const KEYS: Readonly<Record<string, KeySpec>> = {
  'database.host': { default: 'localhost', kind: str, env: 'DJ_HOST', help: 'server host name; "host:port" overrides database.port' },
  'database.port': { default: null, kind: { type: 'int', min: 1, max: 65535 }, nullable: true, env: 'DJ_PORT', help: 'server port (3306 for MySQL, 5432 for PostgreSQL when unset)' },
  'database.user': { default: null, kind: str, nullable: true, env: 'DJ_USER', help: 'database user' },
  'database.password': { default: null, kind: str, nullable: true, env: 'DJ_PASS', secret: true, help: 'database password' },
  'database.reconnect': { default: true, kind: bool, help: 'reconnect transparently when the connection is lost outside a transaction' },
  'database.use_tls': { default: null, kind: { type: 'tls' }, nullable: true, env: 'DJ_USE_TLS', help: 'null: prefer TLS, fall back to plain; true: require; false: disable; object: driver TLS options' },
  'database.backend': { default: 'mysql', kind: { type: 'choice', choices: ['mysql', 'postgresql', 'pglite'] }, env: 'DJ_BACKEND', help: 'mysql (also MariaDB), postgresql, or pglite (embedded)' },
  'database.name': { default: null, kind: str, nullable: true, env: 'DJ_DATABASE_NAME', help: 'PostgreSQL database that holds the schemas (default postgres)' },
  'database.path': { default: null, kind: str, nullable: true, env: 'DJ_DATABASE_PATH', help: 'folder of the embedded database (pglite), or memory://' },
  'database.prefix': { default: '', kind: str, env: 'DJ_DATABASE_PREFIX', help: 'prepended to every schema name given to dj.schema and dj.openSchema' },
  'database.create_tables': { default: true, kind: bool, env: 'DJ_CREATE_TABLES', help: 'declare missing tables when a schema declares its classes' },
  'connection.charset': { default: '', kind: str, help: 'connection character set (empty: utf8mb4)' },
  'connection.init_function': { default: null, kind: str, nullable: true, help: 'SQL statement sent after every connect' },
  loglevel: { default: 'INFO', kind: { type: 'choice', choices: ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] }, env: 'DJ_LOG_LEVEL', help: 'log level' },
  safemode: { default: true, kind: bool, env: 'DJ_SAFEMODE', help: 'ask before delete, drop and alter commit' },
  'display.limit': { default: 12, kind: { type: 'int', min: 0 }, help: 'rows shown in previews' },
  'display.width': { default: 14, kind: { type: 'int', min: 1 }, help: 'maximum column width of the text preview' },
  'display.show_tuple_count': { default: true, kind: bool, help: 'show the total row count under previews' },
  'display.diagram_direction': { default: 'LR', kind: { type: 'choice', choices: ['TB', 'LR'] }, env: 'DJ_DIAGRAM_DIRECTION', help: 'diagram layout direction' },
  stores: { default: {}, kind: { type: 'object' }, env: 'DJ_STORES', help: 'external stores by name (protocol, location, ...); "default" names the store of <x@>' },
  download_path: { default: '.', kind: str, help: 'where attachments are written on fetch' },
  cache: { default: null, kind: str, nullable: true, help: 'folder caching downloaded external objects' },
  query_cache: { default: null, kind: str, nullable: true, help: 'folder for cached query results' },
  enable_python_native_blobs: { default: true, kind: bool, help: 'allow the dj0 blob protocol (Python-only features)' },
  ignore_config_file: { default: false, kind: bool, env: 'DJ_IGNORE_CONFIG_FILE', help: 'skip datajoint.json, dj_local_conf.json and secrets' },
  custom: { default: {}, kind: { type: 'object' }, help: 'free-form settings of your own' },
  'jobs.auto_refresh': { default: true, kind: bool, env: 'DJ_JOBS_AUTO_REFRESH', help: 'refresh the job queue at the start of a distributed populate' },
  'jobs.keep_completed': { default: false, kind: bool, env: 'DJ_JOBS_KEEP_COMPLETED', help: 'keep success rows in job tables' },
  'jobs.stale_timeout': { default: 3600, kind: { type: 'int', min: 0 }, env: 'DJ_JOBS_STALE_TIMEOUT', help: 'seconds after which a reservation is considered stale' },
  'jobs.default_priority': { default: 5, kind: { type: 'int', min: 0, max: 255 }, env: 'DJ_JOBS_DEFAULT_PRIORITY', help: 'priority of new jobs (lower runs first)' },
  'jobs.version_method': { default: null, kind: { type: 'choice', choices: ['git', 'none'] }, nullable: true, env: 'DJ_JOBS_VERSION_METHOD', help: 'record the git commit in job rows' },
  'jobs.allow_new_pk_fields_in_computed_tables': { default: false, kind: bool, env: 'DJ_JOBS_ALLOW_NEW_PK_FIELDS_IN_COMPUTED_TABLES', help: 'allow primary-key attributes of their own in computed tables' },
  'jobs.add_job_metadata': { default: false, kind: bool, env: 'DJ_JOBS_ADD_JOB_METADATA', help: 'add hidden _job_* columns to computed tables' },
}

/** Old spellings accepted on read and write. */
export const ALIASES: Readonly<Record<string, string>> = {
  'database.database_prefix': 'database.prefix',
  'display.show_row_count': 'display.show_tuple_count',
}

/** Keys of datajoint-python 0.14 that have no meaning here; accepted in files and ignored. */
export const IGNORED_KEYS = new Set([
  'fetch_format',
  'add_hidden_timestamp',
  'filepath_checksum_size_limit',
  'filepath_checksum_size_limit_insert',
  'plugin',
  'external.aws_access_key_id',
  'external.aws_secret_access_key',
])

export const GROUPS = ['database', 'connection', 'display', 'jobs'] as const

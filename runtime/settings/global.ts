/** The process-wide `dj.config`, loaded once from files and the environment on first import. */
import { setLogLevel } from '../logger.js'
import { loadConfig } from './sources.js'

export const config = loadConfig()
setLogLevel(() => config.get('loglevel') as string)

/** `dj.blob`: DataJoint's blob format (mYm / dj0), shared with datajoint-python and datajoint-matlab. */
export { pack, type PackOptions } from './pack.js'
export { unpack } from './unpack.js'
export { Complex, DateTime, Decimal, type DType, MatCell, MatStruct, NDArray, RecArray, Tuple, tuple, UUID } from './values.js'

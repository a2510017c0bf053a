import { InferenceSession, Tensor } from 'onnxruntime-node';
import { fromHalf, toHalf } from './half-float';
import type { OnnxDevice } from './onnx-devices';

export interface SessionOptions {
  /** Where the model runs (default cpu); the CPU takes whatever operators that provider lacks. */
  device?: OnnxDevice;
  /** Threads inside one operator (default: ORT's choice, i.e. all cores). */
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  /**
   * Let idle pool threads busy-wait for the next operator (ORT's default). Off here: a pipeline
   * holds three sessions, each with its own pool, and on a small CPU their spinning threads take
   * the cores from the session that is running and from the JS between runs (on 2 cores a
   * 20-step generation took about twice as long with it on).
   */
  allowSpinning?: boolean;
}

/**
 * Opens a model from its file path, never from a buffer: only then does ONNX Runtime find the
 * `model.onnx_data` sidecar that holds the weights of any export over 2 GB (and most others).
 */
export async function openSession(path: string, options: SessionOptions = {}): Promise<InferenceSession> {
  return InferenceSession.create(path, {
    executionProviders: options.device && options.device !== 'cpu' ? [options.device, 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' }, inter_op: { allow_spinning: options.allowSpinning ? '1' : '0' } } },
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    ...(options.interOpNumThreads ? { interOpNumThreads: options.interOpNumThreads } : {}),
  });
}

export interface TensorInfo {
  name: string;
  type: string;
  shape: readonly (number | string)[];
}

/** Name, element type and shape of each tensor input or output (symbolic dims are strings). */
export function describeValues(metadata: readonly InferenceSession.ValueMetadata[]): TensorInfo[] {
  return metadata.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] }));
}

/** A number tensor in the element type the model declares (int64 needs BigInt64Array; integers are rounded). */
export function intTensor(type: string, values: readonly number[], dims: readonly number[]): Tensor {
  if (type === 'int64') return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(Math.round(v))), dims);
  if (type === 'int32') return new Tensor('int32', Int32Array.from(values, Math.round), dims);
  if (type === 'float32' || type === 'float16') return floatTensor(type, Float32Array.from(values), dims);
  throw new TypeError(`unsupported element type ${type}`);
}

/** Float values as the element type a model input declares: float32 as they are, float16 converted. */
export function floatTensor(type: string, data: Float32Array, dims: readonly number[]): Tensor {
  if (type === 'float32') return new Tensor('float32', data, dims);
  if (type === 'float16') return new Tensor('float16', toHalf(data), dims);
  throw new TypeError(`unsupported element type ${type} (float32 or float16 expected)`);
}

/**
 * An output's values as float32: the tensor's own array for float32 (callers may change it in
 * place: ORT hands each run fresh outputs), a converted copy for float16.
 */
export function floatData(tensor: Tensor | undefined, what: string): Float32Array {
  if (!tensor) throw new Error(`${what} is missing from the model's outputs`);
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') {
    const data = tensor.data as ArrayLike<number>;
    // ORT's JS API carries float16 as raw bits; a runtime with Float16Array may hand those instead.
    return data instanceof Uint16Array ? fromHalf(data) : Float32Array.from(data);
  }
  throw new TypeError(`${what} is ${tensor.type}, expected float32 or float16`);
}

/**
 * The first line of an error from opening or running a session, shortened in the middle when long:
 * ONNX Runtime puts its source location first and the reason last.
 */
export function onnxErrorReason(err: unknown): string {
  const line = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  return line.length <= 300 ? line : `${line.slice(0, 100)}…${line.slice(-199)}`;
}

/** Index of the first NaN or ±Infinity, or −1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

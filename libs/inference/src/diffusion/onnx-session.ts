import { InferenceSession, Tensor } from 'onnxruntime-node';

export interface SessionOptions {
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
    executionProviders: ['cpu'],
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

/** An integer tensor in the element type the model declares (int64 needs BigInt64Array). */
export function intTensor(type: string, values: readonly number[], dims: readonly number[]): Tensor {
  if (type === 'int64') return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(Math.round(v))), dims);
  if (type === 'int32') return new Tensor('int32', Int32Array.from(values, Math.round), dims);
  if (type === 'float32') return new Tensor('float32', Float32Array.from(values), dims);
  throw new TypeError(`unsupported element type ${type}`);
}

export function floatData(tensor: Tensor | undefined, what: string): Float32Array {
  if (!tensor) throw new Error(`${what} is missing from the model's outputs`);
  if (tensor.type !== 'float32') throw new TypeError(`${what} is ${tensor.type}, expected float32`);
  return tensor.data as Float32Array;
}

/** Index of the first NaN or ±Infinity, or −1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

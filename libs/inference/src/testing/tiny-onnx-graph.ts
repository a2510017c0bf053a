import { onnx } from 'onnx-proto';

/** ONNX element types used by the tiny models (TensorProto.DataType values). */
export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
export const ONNX_FLOAT16 = 10;
export type OnnxElementType = typeof ONNX_FLOAT | typeof ONNX_UINT8 | typeof ONNX_INT32 | typeof ONNX_INT64 | typeof ONNX_FLOAT16;

export type Dim = number | string;

/** Element type of a model's float inputs and outputs: float16 in half-precision exports. */
export type FloatIo = 'float32' | 'float16';

interface Initializer {
  name: string;
  dims: number[];
  type: OnnxElementType;
  bytes: Buffer;
}

/** Plain numbers are INT attributes; floats must say so, since 1.0 and 1 look the same in JS. */
type AttributeValue = number | number[] | string | { float: number };

/**
 * A few lines per node instead of protobuf plumbing: the tiny test models are written from
 * JavaScript so tests need no Python, no downloads and no binary fixtures in git.
 */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  input(name: string, type: OnnxElementType, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(name: string, type: OnnxElementType, shape: Dim[]): void {
    this.outputs.push(valueInfo(name, type, shape));
  }

  /** A float input of element type `io`; a float16 one is cast to float32 for the graph's own work. Returns the float32 value. */
  floatInput(name: string, io: FloatIo, shape: Dim[]): string {
    if (io === 'float32') return this.input(name, ONNX_FLOAT, shape);
    return this.op('Cast', [this.input(name, ONNX_FLOAT16, shape)], { to: ONNX_FLOAT });
  }

  /** Makes the float32 `value` the graph output `name`, of element type `io`. */
  floatOutput(value: string, name: string, io: FloatIo, shape: Dim[]): void {
    if (io === 'float32') this.op('Identity', [value], {}, name);
    else this.op('Cast', [value], { to: ONNX_FLOAT16 }, name);
    this.output(name, io === 'float32' ? ONNX_FLOAT : ONNX_FLOAT16, shape);
  }

  floats(dims: number[], values: ArrayLike<number>, name = this.fresh('w')): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (values.length !== n) throw new RangeError(`${name}: ${values.length} values for dims ${dims.join('x')}`);
    const data = Float32Array.from(values);
    this.initializers.push({ name, dims, type: ONNX_FLOAT, bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  int64s(dims: number[], values: ArrayLike<number>, name = this.fresh('i')): string {
    const data = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    this.initializers.push({ name, dims, type: ONNX_INT64, bytes: Buffer.from(data.buffer) });
    return name;
  }

  uint8s(dims: number[], values: ArrayLike<number>, name = this.fresh('q')): string {
    this.initializers.push({ name, dims, type: ONNX_UINT8, bytes: Buffer.from(Uint8Array.from(values)) });
    return name;
  }

  int32s(dims: number[], values: ArrayLike<number>, name = this.fresh('i')): string {
    const data = Int32Array.from(values);
    this.initializers.push({ name, dims, type: ONNX_INT32, bytes: Buffer.from(data.buffer) });
    return name;
  }

  /** Adds a node and returns the name of its (first) output. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, output = this.fresh(opType.toLowerCase())): string {
    this.node(opType, inputs, [output], attributes);
    return output;
  }

  /** Adds a node with several outputs and returns their names. */
  opOutputs(opType: string, inputs: string[], count: number, attributes: Record<string, AttributeValue> = {}): string[] {
    const outputs = Array.from({ length: count }, () => this.fresh(opType.toLowerCase()));
    this.node(opType, inputs, outputs, attributes);
    return outputs;
  }

  /** Node names are unique by position, whatever the outputs are called. */
  private node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue>): void {
    this.nodes.push({ opType, input: inputs, output: outputs, name: `${opType}_n${this.nodes.length}`, attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)) });
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /**
   * The serialised model. With `externalData`, initializers of at least `threshold` bytes go to
   * that sidecar (as Optimum's model.onnx_data) and only a reference stays in the graph.
   */
  encode(options: { opset?: number; externalData?: { location: string; threshold?: number } } = {}): { model: Uint8Array; sidecar?: Buffer } {
    const chunks: Buffer[] = [];
    let offset = 0;
    const tensors = this.initializers.map((init): onnx.ITensorProto => {
      const base = { name: init.name, dims: init.dims, dataType: init.type };
      const ext = options.externalData;
      if (ext && init.bytes.length >= (ext.threshold ?? 1024)) {
        // ONNX Runtime maps the sidecar; aligned offsets keep that valid on every platform.
        const pad = (4096 - (offset % 4096)) % 4096;
        if (pad) chunks.push(Buffer.alloc(pad));
        offset += pad;
        chunks.push(init.bytes);
        const entry = { ...base, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: [
          { key: 'location', value: ext.location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(init.bytes.length) },
        ] };
        offset += init.bytes.length;
        return entry;
      }
      return { ...base, rawData: init.bytes };
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'reelcraft-tiny-onnx',
      opsetImport: [{ domain: '', version: options.opset ?? 17 }],
      graph: { name: this.name, node: this.nodes, initializer: tensors, input: this.inputs, output: this.outputs },
    });
    const bytes = onnx.ModelProto.encode(model).finish();
    return chunks.length ? { model: bytes, sidecar: Buffer.concat(chunks) } : { model: bytes };
  }
}

function valueInfo(name: string, type: OnnxElementType, shape: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: type, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: Buffer.from(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'object') return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.INT, i: value };
}

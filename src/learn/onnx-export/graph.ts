/**
 * A small builder over onnx-proto's generated classes: tensors, nodes, attributes, graph and model.
 * Spec: https://onnx.ai/onnx/intro/concepts.html and onnx/onnx.proto (IR version 8).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type AttrValue =
  | number
  | string
  | number[]
  | string[]
  | Float64Array
  | { tensor: onnxProto.onnx.ITensorProto }
  | { ints: number[] }
  | { floats: number[] };

export const OPSET = 15;
export const ML_OPSET = 3;

const DT = onnx.TensorProto.DataType;

export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private n = 0;

  /** A fresh value name. */
  name(prefix: string): string {
    return `${prefix}_${this.n++}`;
  }

  input(
    name: string,
    elemType: 'double' | 'float' | 'string' | 'int64',
    dims: ReadonlyArray<number | string>,
  ): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(
    name: string,
    elemType: 'double' | 'float' | 'string' | 'int64',
    dims: ReadonlyArray<number | string>,
  ): string {
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** A double (or float / int64) constant initializer. */
  constant(
    values: ArrayLike<number>,
    dims: readonly number[],
    type: 'double' | 'float' | 'int64' = 'double',
    prefix = 'c',
  ): string {
    const name = this.name(prefix);
    this.initializers.push(tensor(name, values, dims, type));
    return name;
  }

  /** A string constant initializer. */
  stringConstant(values: readonly string[], dims: readonly number[], prefix = 's'): string {
    const name = this.name(prefix);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [...dims],
        dataType: DT.STRING,
        stringData: values.map((v) => new TextEncoder().encode(v)),
      }),
    );
    return name;
  }

  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    opts: { domain?: string; outputs?: string[] } = {},
  ): string {
    const outs = opts.outputs ?? [this.name(opType.toLowerCase())];
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: [...inputs],
        output: outs,
        name: this.name(`n_${opType}`),
        domain: opts.domain ?? '',
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs[0];
  }

  /** Serialises the model (ONNX IR 8, opset 15 + ai.onnx.ml 3). */
  build(graphName: string, docString = ''): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'aegle',
      producerVersion: '0.1.0',
      docString,
      opsetImport: [
        onnx.OperatorSetIdProto.create({ domain: '', version: OPSET }),
        onnx.OperatorSetIdProto.create({ domain: 'ai.onnx.ml', version: ML_OPSET }),
      ],
      graph: onnx.GraphProto.create({
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function elem(t: 'double' | 'float' | 'string' | 'int64'): number {
  return t === 'double' ? DT.DOUBLE : t === 'float' ? DT.FLOAT : t === 'string' ? DT.STRING : DT.INT64;
}

function valueInfo(
  name: string,
  t: 'double' | 'float' | 'string' | 'int64',
  dims: ReadonlyArray<number | string>,
) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: elem(t),
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            onnx.TensorShapeProto.Dimension.create(typeof d === 'number' ? { dimValue: d } : { dimParam: d }),
          ),
        }),
      }),
    }),
  });
}

/** A tensor proto with little-endian raw data. */
export function tensor(
  name: string,
  values: ArrayLike<number>,
  dims: readonly number[],
  type: 'double' | 'float' | 'int64' = 'double',
) {
  let raw: Uint8Array;
  if (type === 'double') raw = new Uint8Array(Float64Array.from(values).buffer);
  else if (type === 'float') raw = new Uint8Array(Float32Array.from(values).buffer);
  else raw = new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(v)).buffer);
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: elem(type), rawData: raw });
}

function attribute(name: string, v: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? onnx.AttributeProto.create({ name, type: A.INT, i: v })
      : onnx.AttributeProto.create({ name, type: A.FLOAT, f: v });
  }
  if (typeof v === 'string')
    return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(v) });
  if (v instanceof Float64Array)
    return onnx.AttributeProto.create({ name, type: A.FLOATS, floats: Array.from(v) });
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') {
      return onnx.AttributeProto.create({
        name,
        type: A.STRINGS,
        strings: (v as string[]).map((s) => new TextEncoder().encode(s)),
      });
    }
    return onnx.AttributeProto.create({ name, type: A.INTS, ints: v as number[] });
  }
  if ('tensor' in v) return onnx.AttributeProto.create({ name, type: A.TENSOR, t: v.tensor });
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: A.FLOATS, floats: v.floats });
  return onnx.AttributeProto.create({ name, type: A.INTS, ints: v.ints });
}

/**
 * Makes a model exported with a fixed batch of 1 accept any batch size, so the dynamic batcher can
 * coalesce requests (what Triton calls `max_batch_size > 0`). The ONNX model zoo's MNIST and SqueezeNet
 * declare `[1, …]` inputs; their graphs are batch-agnostic apart from the declared dims and, for MNIST,
 * one `Reshape` to the constant `[1, 256]`.
 *
 * The rewrite: dim 0 of every graph input and output becomes the symbol `N`; intermediate value_info
 * shapes are dropped (onnxruntime re-infers them); a `Reshape` whose target shape is a constant
 * initializer starting with 1 and whose data input is an activation (not a weight) gets −1 there.
 * The caller must check the rewritten model gives the same answers as the original (the runtime does,
 * at load) — this is a heuristic, not a proof.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface BatchRewrite {
  readonly bytes: Uint8Array;
  /** Reshape nodes whose leading 1 became −1. */
  readonly reshapesPatched: number;
}

export function makeBatchDynamic(bytes: Uint8Array): BatchRewrite {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  for (const v of [...(graph.input ?? []), ...(graph.output ?? [])]) {
    const dims = v.type?.tensorType?.shape?.dim;
    if (dims && dims.length > 0) dims[0] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'N' });
  }
  graph.valueInfo = [];
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  let patched = 0;
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Reshape' || (node.input?.length ?? 0) < 2) continue;
    const [dataName, shapeName] = node.input!;
    if (inits.has(dataName)) continue;
    const shape = inits.get(shapeName);
    if (!shape) continue;
    const raw = shape.rawData?.length ? shape.rawData : null;
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      if (view.getBigInt64(0, true) === 1n) {
        const copy = new Uint8Array(raw);
        new DataView(copy.buffer).setBigInt64(0, -1n, true);
        shape.rawData = copy;
        patched++;
      }
    } else if (shape.int64Data?.length && Number(shape.int64Data[0]) === 1) {
      shape.int64Data[0] = -1;
      patched++;
    }
  }
  return { bytes: onnx.ModelProto.encode(model).finish(), reshapesPatched: patched };
}

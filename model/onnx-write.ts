/**
 * Encoders for the ONNX messages jalad writes: value infos, tensors, nodes, graphs and models.
 * Parts that came from a decoded model are written back from their `raw` bytes.
 */
import { type Dim, type OnnxTensor, AttrField, AttrType, GraphField, ModelField, NodeField, TensorField } from "./onnx.js";
import { ProtoWriter, type RawField } from "./protobuf.js";

/** Encodes a tensor-typed ValueInfoProto. A null shape writes no shape; a null dim writes an unknown dim. */
export function encodeValueInfo(name: string, elemType: number, shape: readonly Dim[] | null): Uint8Array {
  const tensorType = new ProtoWriter().varint(1, elemType);
  if (shape !== null) {
    const sw = new ProtoWriter();
    for (const d of shape) {
      const dw = new ProtoWriter();
      if (typeof d === "number") dw.varint(1, d);
      else if (typeof d === "string") dw.string(2, d);
      sw.bytes(1, dw.finish());
    }
    tensorType.bytes(2, sw.finish());
  }
  const type = new ProtoWriter().bytes(1, tensorType.finish()).finish();
  return new ProtoWriter().string(1, name).bytes(2, type).finish();
}

/** Encodes a TensorProto with inline little-endian `rawData`. */
export function encodeTensor(name: string, dataType: number, dims: readonly number[], rawData: Uint8Array): Uint8Array {
  return new ProtoWriter().packedInts(TensorField.dims, dims).varint(TensorField.dataType, dataType).string(TensorField.name, name).bytes(TensorField.rawData, rawData).finish();
}

/** Re-encodes a tensor whose data was external, with the bytes inline (external_data dropped). */
export function inlineTensor(t: OnnxTensor, data: Uint8Array): Uint8Array {
  const w = new ProtoWriter();
  for (const f of t.fields) if (f.no !== TensorField.rawData) w.raw(f.raw);
  return w.bytes(TensorField.rawData, data).finish();
}

/** An attribute value for {@link encodeNode}: number (INT), float via `{ f }`, string, int list, float list or tensor. */
export type AttrValue = number | { readonly f: number } | string | readonly number[] | { readonly floats: readonly number[] } | { readonly tensor: Uint8Array };

function encodeAttribute(name: string, v: AttrValue): Uint8Array {
  const w = new ProtoWriter().string(AttrField.name, name);
  if (typeof v === "number") return w.varint(AttrField.i, v).varint(AttrField.type, AttrType.INT).finish();
  if (typeof v === "string") return w.string(AttrField.s, v).varint(AttrField.type, AttrType.STRING).finish();
  if ("tensor" in v) return w.bytes(AttrField.t, v.tensor).varint(AttrField.type, AttrType.TENSOR).finish();
  if ("f" in v) return w.float(AttrField.f, v.f).varint(AttrField.type, AttrType.FLOAT).finish();
  if ("floats" in v) return w.packedFloats(AttrField.floats, v.floats).varint(AttrField.type, AttrType.FLOATS).finish();
  return w.packedInts(AttrField.ints, v).varint(AttrField.type, AttrType.INTS).finish();
}

/** Encodes a NodeProto. */
export function encodeNode(opType: string, inputs: readonly string[], outputs: readonly string[], name: string, attrs: Readonly<Record<string, AttrValue>> = {}, domain = ""): Uint8Array {
  const w = new ProtoWriter();
  for (const i of inputs) w.string(NodeField.input, i);
  for (const o of outputs) w.string(NodeField.output, o);
  w.string(NodeField.name, name).string(NodeField.opType, opType);
  for (const [k, v] of Object.entries(attrs)) w.bytes(NodeField.attribute, encodeAttribute(k, v));
  if (domain !== "") w.string(NodeField.domain, domain);
  return w.finish();
}

/** The parts of a graph, each already encoded. */
export interface GraphParts {
  readonly name: string;
  readonly nodes: readonly Uint8Array[];
  readonly initializers: readonly Uint8Array[];
  readonly inputs: readonly Uint8Array[];
  readonly outputs: readonly Uint8Array[];
  readonly valueInfo?: readonly Uint8Array[];
  /** Whole fields (tag included) written verbatim: sparse initializers, annotations, doc strings. */
  readonly rawFields?: readonly Uint8Array[];
}

/** Encodes a GraphProto from encoded parts. */
export function encodeGraph(p: GraphParts): Uint8Array {
  const w = new ProtoWriter();
  for (const n of p.nodes) w.bytes(GraphField.node, n);
  w.string(GraphField.name, p.name);
  for (const t of p.initializers) w.bytes(GraphField.initializer, t);
  for (const i of p.inputs) w.bytes(GraphField.input, i);
  for (const o of p.outputs) w.bytes(GraphField.output, o);
  for (const v of p.valueInfo ?? []) w.bytes(GraphField.valueInfo, v);
  for (const r of p.rawFields ?? []) w.raw(r);
  return w.finish();
}

/**
 * Encodes a ModelProto: the given model-level fields verbatim (ir_version, opset_import,
 * producer, metadata, functions, ...), then the graph, then extra metadata entries.
 */
export function encodeModel(modelFields: readonly RawField[], graph: Uint8Array, extraMetadata: ReadonlyArray<readonly [string, string]> = []): Uint8Array {
  const w = new ProtoWriter();
  for (const f of modelFields) w.raw(f.raw);
  w.bytes(ModelField.graph, graph);
  for (const [k, v] of extraMetadata) w.bytes(ModelField.metadataProps, new ProtoWriter().string(1, k).string(2, v).finish());
  return w.finish();
}

/** Builds the verbatim model-level fields for a new model: ir_version, producer and opset imports. */
export function modelHeaderFields(irVersion: number, producer: string, opsets: ReadonlyArray<{ domain: string; version: number }>): RawField[] {
  const w = new ProtoWriter().varint(ModelField.irVersion, irVersion).string(ModelField.producerName, producer);
  for (const o of opsets) w.bytes(ModelField.opsetImport, new ProtoWriter().string(1, o.domain).varint(2, o.version).finish());
  const raw = w.finish();
  return [{ no: 0, wireType: 0, varint: 0, bytes: raw, raw }];
}

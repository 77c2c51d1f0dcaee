/**
 * The ONNX object model jalad works on, and its decoder from ModelProto bytes.
 *
 * Only what graph analysis needs is parsed; every message keeps its encoded bytes (`raw`) so
 * segments are written back without losing fields this decoder does not know.
 * Field numbers follow onnx/onnx.proto (IR version 10).
 */
import { ModelError, ModelErrorCode } from "./errors.js";
import { type RawField, WireType, expectWire, fieldFloat, fieldString, pushFloats, pushInts, readFields } from "./protobuf.js";

/** ONNX TensorProto.DataType values used by jalad, with their names. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8,
  BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

/** Bytes per element of each ONNX data type (0 where it is not fixed-width). */
export function dataTypeBytes(dt: number): number {
  switch (dt) {
    case DataType.UINT8: case DataType.INT8: case DataType.BOOL: return 1;
    case DataType.UINT16: case DataType.INT16: case DataType.FLOAT16: case DataType.BFLOAT16: return 2;
    case DataType.FLOAT: case DataType.INT32: case DataType.UINT32: return 4;
    case DataType.INT64: case DataType.DOUBLE: case DataType.UINT64: case DataType.COMPLEX64: return 8;
    case DataType.COMPLEX128: return 16;
    default: return 0;
  }
}

/** One operator set the model imports. `domain` "" is the default ai.onnx domain. */
export interface OpsetImport { readonly domain: string; readonly version: number }

/** A key/value metadata entry (StringStringEntryProto). */
export interface MetadataEntry { readonly key: string; readonly value: string }

/** Where an externally stored tensor's bytes live (TensorProto.external_data). */
export interface ExternalData { readonly location: string; readonly offset: number; readonly length: number | null }

/** An initializer or attribute tensor. */
export interface OnnxTensor {
  readonly name: string;
  readonly dataType: number;
  readonly dims: readonly number[];
  /** Set when the data lives in a separate file. */
  readonly external: ExternalData | null;
  /** The encoded TensorProto. */
  readonly raw: Uint8Array;
  /** Fields other than external_data/data_location, for re-encoding with inline data. */
  readonly fields: readonly RawField[];
}

/** A dimension: a number, a symbolic name, or null when unknown. */
export type Dim = number | string | null;

/** A graph input, output or value_info entry. */
export interface ValueInfo {
  readonly name: string;
  /** Element type when the value is a tensor with a known type, else null. */
  readonly elemType: number | null;
  /** Shape when declared, else null. */
  readonly shape: readonly Dim[] | null;
  readonly raw: Uint8Array;
}

/** A node attribute. Only the scalar and list kinds graph analysis needs are decoded. */
export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly i?: number;
  readonly f?: number;
  readonly s?: string;
  readonly ints?: readonly number[];
  readonly floats?: readonly number[];
  readonly t?: OnnxTensor;
  /** Subgraphs (attribute kinds GRAPH and GRAPHS). */
  readonly graphs?: readonly OnnxGraph[];
}

/** A node. `implicitInputs` are outer-scope names its subgraphs read (If/Loop/Scan bodies). */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxAttribute[];
  readonly implicitInputs: readonly string[];
  readonly raw: Uint8Array;
}

/** A graph, with the fields we do not analyse kept verbatim. */
export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  /** Sparse initializers, by the name of their values tensor, kept verbatim. */
  readonly sparseInitializers: ReadonlyArray<{ readonly name: string; readonly raw: Uint8Array }>;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly valueInfo: readonly ValueInfo[];
  /** Quantization annotations, by tensor name, kept verbatim. */
  readonly quantizationAnnotations: ReadonlyArray<{ readonly tensorName: string; readonly raw: Uint8Array }>;
  /** Every other graph field (doc_string, metadata_props, unknown), verbatim. */
  readonly otherFields: readonly RawField[];
}

/** A decoded ONNX model. */
export interface OnnxModel {
  readonly irVersion: number;
  readonly opsetImports: readonly OpsetImport[];
  readonly producerName: string;
  readonly metadata: readonly MetadataEntry[];
  readonly graph: OnnxGraph;
  /** Every model field other than `graph` (opset, metadata, producer, functions, ...), verbatim and in order. */
  readonly otherFields: readonly RawField[];
}

/** ModelProto field numbers. */
export const ModelField = { irVersion: 1, producerName: 2, producerVersion: 3, domain: 4, modelVersion: 5, docString: 6, graph: 7, opsetImport: 8, metadataProps: 14 } as const;
/** GraphProto field numbers. */
export const GraphField = { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12, valueInfo: 13, quantizationAnnotation: 14, sparseInitializer: 15 } as const;
/** NodeProto field numbers. */
export const NodeField = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6, domain: 7 } as const;
/** TensorProto field numbers. */
export const TensorField = { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
/** AttributeProto field numbers and AttributeType values. */
export const AttrField = { name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, floats: 7, ints: 8, graphs: 11, type: 20 } as const;
/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

function decodeEntry(bytes: Uint8Array, where: string): MetadataEntry {
  let key = "";
  let value = "";
  for (const f of readFields(bytes, where)) {
    if (f.no === 1) key = fieldString(f, `${where}.key`);
    else if (f.no === 2) value = fieldString(f, `${where}.value`);
  }
  return { key, value };
}

/** Decodes a TensorProto (data stays encoded; see {@link OnnxTensor.raw}). */
export function decodeTensor(bytes: Uint8Array, where: string): OnnxTensor {
  let name = "";
  let dataType = 0;
  const dims: number[] = [];
  let location = 0;
  const ext: MetadataEntry[] = [];
  const fields: RawField[] = [];
  for (const f of readFields(bytes, where)) {
    switch (f.no) {
      case TensorField.dims: pushInts(f, dims, `${where}.dims`); break;
      case TensorField.dataType: expectWire(f, WireType.Varint, `${where}.data_type`); dataType = f.varint; break;
      case TensorField.name: name = fieldString(f, `${where}.name`); break;
      case TensorField.externalData: ext.push(decodeEntry(f.bytes, `${where}.external_data`)); continue;
      case TensorField.dataLocation: location = f.varint; continue;
      default: break;
    }
    fields.push(f);
  }
  let external: ExternalData | null = null;
  if (location === 1) {
    const get = (k: string): string | undefined => ext.find((e) => e.key === k)?.value;
    const loc = get("location");
    if (loc === undefined) throw new ModelError(ModelErrorCode.NotOnnx, `${where} (${name}) is stored externally but names no location`);
    const offset = Number(get("offset") ?? "0");
    const lenS = get("length");
    const length = lenS === undefined ? null : Number(lenS);
    if (!Number.isSafeInteger(offset) || offset < 0 || (length !== null && (!Number.isSafeInteger(length) || length < 0))) {
      throw new ModelError(ModelErrorCode.NotOnnx, `${where} (${name}) has a bad external offset/length`);
    }
    external = { location: loc, offset, length };
  }
  return { name, dataType, dims, external, raw: bytes, fields };
}

function decodeShape(bytes: Uint8Array, where: string): Dim[] {
  const dims: Dim[] = [];
  for (const f of readFields(bytes, where)) {
    if (f.no !== 1) continue;
    let d: Dim = null;
    for (const g of readFields(f.bytes, `${where}.dim`)) {
      if (g.no === 1) d = g.varint;
      else if (g.no === 2) d = fieldString(g, `${where}.dim_param`);
    }
    dims.push(d);
  }
  return dims;
}

/** Decodes a ValueInfoProto. Non-tensor types decode with `elemType` null. */
export function decodeValueInfo(bytes: Uint8Array, where: string): ValueInfo {
  let name = "";
  let elemType: number | null = null;
  let shape: Dim[] | null = null;
  for (const f of readFields(bytes, where)) {
    if (f.no === 1) name = fieldString(f, `${where}.name`);
    else if (f.no === 2) {
      for (const t of readFields(f.bytes, `${where}.type`)) {
        if (t.no !== 1) continue; // tensor_type only
        for (const g of readFields(t.bytes, `${where}.type.tensor_type`)) {
          if (g.no === 1) elemType = g.varint;
          else if (g.no === 2) shape = decodeShape(g.bytes, `${where}.type.tensor_type.shape`);
        }
      }
    }
  }
  return { name, elemType, shape, raw: bytes };
}

function decodeAttribute(bytes: Uint8Array, where: string): OnnxAttribute {
  let name = "";
  let type = 0;
  const a: { i?: number; f?: number; s?: string; t?: OnnxTensor; ints?: number[]; floats?: number[]; graphs?: OnnxGraph[] } = {};
  for (const f of readFields(bytes, where)) {
    switch (f.no) {
      case AttrField.name: name = fieldString(f, `${where}.name`); break;
      case AttrField.type: type = f.varint; break;
      case AttrField.i: a.i = f.varint; break;
      case AttrField.f: a.f = fieldFloat(f, `${where}.f`); break;
      case AttrField.s: a.s = fieldString(f, `${where}.s`); break;
      case AttrField.t: a.t = decodeTensor(f.bytes, `${where}.t`); break;
      case AttrField.ints: pushInts(f, (a.ints ??= []), `${where}.ints`); break;
      case AttrField.floats: pushFloats(f, (a.floats ??= []), `${where}.floats`); break;
      case AttrField.g: case AttrField.graphs: (a.graphs ??= []).push(decodeGraph(f.bytes, `${where}.g`)); break;
      default: break;
    }
  }
  return { name, type, ...a };
}

/** Names a subgraph reads from its enclosing scope: used but neither produced, declared, nor initialized inside. */
function outerReferences(g: OnnxGraph): string[] {
  const local = new Set<string>();
  for (const v of g.inputs) local.add(v.name);
  for (const t of g.initializers) local.add(t.name);
  for (const n of g.nodes) for (const o of n.outputs) local.add(o);
  const outer = new Set<string>();
  for (const n of g.nodes) {
    for (const i of [...n.inputs, ...n.implicitInputs]) if (i !== "" && !local.has(i)) outer.add(i);
  }
  for (const o of g.outputs) if (!local.has(o.name)) outer.add(o.name);
  return [...outer];
}

function decodeNode(bytes: Uint8Array, where: string): OnnxNode {
  let name = "";
  let opType = "";
  let domain = "";
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: OnnxAttribute[] = [];
  for (const f of readFields(bytes, where)) {
    switch (f.no) {
      case NodeField.input: inputs.push(fieldString(f, `${where}.input`)); break;
      case NodeField.output: outputs.push(fieldString(f, `${where}.output`)); break;
      case NodeField.name: name = fieldString(f, `${where}.name`); break;
      case NodeField.opType: opType = fieldString(f, `${where}.op_type`); break;
      case NodeField.domain: domain = fieldString(f, `${where}.domain`); break;
      case NodeField.attribute: attributes.push(decodeAttribute(f.bytes, `${where}.attribute[${attributes.length}]`)); break;
      default: break;
    }
  }
  if (opType === "") throw new ModelError(ModelErrorCode.NotOnnx, `${where} has no op_type`);
  const implicit = new Set<string>();
  for (const a of attributes) for (const g of a.graphs ?? []) for (const r of outerReferences(g)) implicit.add(r);
  return { name, opType, domain, inputs, outputs, attributes, implicitInputs: [...implicit], raw: bytes };
}

/** Decodes a GraphProto. */
export function decodeGraph(bytes: Uint8Array, where: string): OnnxGraph {
  let name = "";
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const sparseInitializers: { name: string; raw: Uint8Array }[] = [];
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  const valueInfo: ValueInfo[] = [];
  const quantizationAnnotations: { tensorName: string; raw: Uint8Array }[] = [];
  const otherFields: RawField[] = [];
  for (const f of readFields(bytes, where)) {
    const w = (k: string, i: number): string => `${where}.${k}[${i}]`;
    switch (f.no) {
      case GraphField.node: expectWire(f, WireType.Len, w("node", nodes.length)); nodes.push(decodeNode(f.bytes, w("node", nodes.length))); break;
      case GraphField.name: name = fieldString(f, `${where}.name`); break;
      case GraphField.initializer: expectWire(f, WireType.Len, w("initializer", initializers.length)); initializers.push(decodeTensor(f.bytes, w("initializer", initializers.length))); break;
      case GraphField.input: expectWire(f, WireType.Len, w("input", inputs.length)); inputs.push(decodeValueInfo(f.bytes, w("input", inputs.length))); break;
      case GraphField.output: expectWire(f, WireType.Len, w("output", outputs.length)); outputs.push(decodeValueInfo(f.bytes, w("output", outputs.length))); break;
      case GraphField.valueInfo: expectWire(f, WireType.Len, w("value_info", valueInfo.length)); valueInfo.push(decodeValueInfo(f.bytes, w("value_info", valueInfo.length))); break;
      case GraphField.sparseInitializer: {
        const values = readFields(f.bytes, w("sparse_initializer", sparseInitializers.length)).find((g) => g.no === 1);
        const sname = values ? decodeTensor(values.bytes, `${where}.sparse_initializer.values`).name : "";
        sparseInitializers.push({ name: sname, raw: f.raw });
        break;
      }
      case GraphField.quantizationAnnotation: {
        const t = readFields(f.bytes, `${where}.quantization_annotation`).find((g) => g.no === 1);
        quantizationAnnotations.push({ tensorName: t ? fieldString(t, `${where}.quantization_annotation.tensor_name`) : "", raw: f.raw });
        break;
      }
      default: otherFields.push(f);
    }
  }
  return { name, nodes, initializers, sparseInitializers, inputs, outputs, valueInfo, quantizationAnnotations, otherFields };
}

/**
 * Decodes ModelProto bytes. Throws {@link ModelError} `NOT_ONNX` when the bytes are not a model
 * (no graph, bad wire data) and `TRUNCATED` when a length runs past the end.
 */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  if (bytes.length === 0) throw new ModelError(ModelErrorCode.NotOnnx, "empty file: not an ONNX model");
  let fields: RawField[];
  try {
    fields = readFields(bytes, "model");
  } catch (e) {
    if (e instanceof ModelError && e.code === ModelErrorCode.NotOnnx) {
      throw new ModelError(ModelErrorCode.NotOnnx, `not an ONNX model: ${e.message}`, { cause: e });
    }
    throw e;
  }
  let irVersion = 0;
  let producerName = "";
  let graphField: RawField | undefined;
  const opsetImports: OpsetImport[] = [];
  const metadata: MetadataEntry[] = [];
  const otherFields: RawField[] = [];
  for (const f of fields) {
    if (f.no === ModelField.graph) {
      expectWire(f, WireType.Len, "model.graph");
      graphField = f;
      continue;
    }
    otherFields.push(f);
    if (f.no === ModelField.irVersion) { expectWire(f, WireType.Varint, "model.ir_version"); irVersion = f.varint; }
    else if (f.no === ModelField.producerName) producerName = fieldString(f, "model.producer_name");
    else if (f.no === ModelField.opsetImport) {
      expectWire(f, WireType.Len, "model.opset_import");
      let domain = "";
      let version = 0;
      for (const g of readFields(f.bytes, "model.opset_import")) {
        if (g.no === 1) domain = fieldString(g, "model.opset_import.domain");
        else if (g.no === 2) version = g.varint;
      }
      opsetImports.push({ domain, version });
    } else if (f.no === ModelField.metadataProps) {
      expectWire(f, WireType.Len, "model.metadata_props");
      metadata.push(decodeEntry(f.bytes, "model.metadata_props"));
    }
  }
  if (graphField === undefined) throw new ModelError(ModelErrorCode.NotOnnx, "not an ONNX model: no graph (ModelProto field 7) found");
  if (irVersion < 1 || irVersion > 64) throw new ModelError(ModelErrorCode.NotOnnx, `not an ONNX model: ir_version ${irVersion} is out of range`);
  const graph = decodeGraph(graphField.bytes, "model.graph");
  if (graph.nodes.length === 0 && graph.outputs.length === 0) throw new ModelError(ModelErrorCode.NotOnnx, "not an ONNX model: the graph has no nodes and no outputs");
  return { irVersion, opsetImports, producerName, metadata, graph, otherFields };
}

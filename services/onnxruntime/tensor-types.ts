/**
 * Mapping between onnxruntime-node tensor type names and ONNX data types, and typed-array
 * allocation for feeds.
 */
import ort from "onnxruntime-node";
import { DataType } from "../../model/onnx.js";

const ORT_TO_ONNX: Readonly<Record<string, number>> = {
  float32: DataType.FLOAT, uint8: DataType.UINT8, int8: DataType.INT8, uint16: DataType.UINT16, int16: DataType.INT16,
  int32: DataType.INT32, int64: DataType.INT64, string: DataType.STRING, bool: DataType.BOOL, float16: DataType.FLOAT16,
  float64: DataType.DOUBLE, uint32: DataType.UINT32, uint64: DataType.UINT64,
};

/** ONNX data type of an onnxruntime tensor type name (UNDEFINED when unknown). */
export function onnxDataType(ortType: string): number {
  return ORT_TO_ONNX[ortType] ?? DataType.UNDEFINED;
}

/** onnxruntime tensor type name of an ONNX data type, or undefined when onnxruntime-node cannot feed it. */
export function ortTypeName(dataType: number): ort.Tensor.Type | undefined {
  for (const [k, v] of Object.entries(ORT_TO_ONNX)) if (v === dataType) return k as ort.Tensor.Type;
  return undefined;
}

/** A tensor of the given type and shape filled with `value` (used for probe runs). */
export function filledTensor(dataType: number, dims: readonly number[], value: number): ort.Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  switch (dataType) {
    case DataType.FLOAT: return new ort.Tensor("float32", new Float32Array(size).fill(value), dims);
    case DataType.DOUBLE: return new ort.Tensor("float64", new Float64Array(size).fill(value), dims);
    case DataType.INT32: return new ort.Tensor("int32", new Int32Array(size).fill(Math.round(value)), dims);
    case DataType.INT64: return new ort.Tensor("int64", new BigInt64Array(size).fill(BigInt(Math.round(value))), dims);
    case DataType.UINT8: return new ort.Tensor("uint8", new Uint8Array(size).fill(Math.round(value)), dims);
    case DataType.INT8: return new ort.Tensor("int8", new Int8Array(size).fill(Math.round(value)), dims);
    case DataType.BOOL: return new ort.Tensor("bool", new Uint8Array(size).fill(value ? 1 : 0), dims);
    default: throw new Error(`cannot build a probe input of ONNX data type ${dataType}`);
  }
}

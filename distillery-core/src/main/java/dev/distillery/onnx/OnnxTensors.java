package dev.distillery.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.distillery.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Decodes ONNX {@code TensorProto} values. The ONNX spec stores {@code raw_data} little-endian
 * regardless of platform; otherwise values sit in the typed repeated field ({@code float_data},
 * {@code int64_data}).
 */
final class OnnxTensors {
    private OnnxTensors() {
    }

    static int[] shape(TensorProto t, String source) throws OnnxImportException {
        int[] shape = new int[t.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new OnnxImportException(source + ": tensor '" + t.getName() + "' has dimension " + d
                        + " at axis " + i + "; expected 0.." + Integer.MAX_VALUE);
            }
            shape[i] = (int) d;
        }
        return shape;
    }

    static Tensor floats(TensorProto t, String source) throws OnnxImportException {
        requireType(t, TensorProto.DataType.FLOAT, source);
        requireEmbedded(t, source);
        int[] shape = shape(t, source);
        int count = count(t, shape, source);
        float[] data = new float[count];
        if (t.hasRawData()) {
            requireRawBytes(t, (long) count * Float.BYTES, source);
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
        } else {
            if (t.getFloatDataCount() != count) {
                throw new OnnxImportException(source + ": tensor '" + t.getName() + "' of shape "
                        + Arrays.toString(shape) + " has " + t.getFloatDataCount() + " float_data values; expected " + count);
            }
            for (int i = 0; i < count; i++) {
                data[i] = t.getFloatData(i);
            }
        }
        return Tensor.of(data, shape);
    }

    static long[] longs(TensorProto t, String source) throws OnnxImportException {
        requireType(t, TensorProto.DataType.INT64, source);
        requireEmbedded(t, source);
        int count = count(t, shape(t, source), source);
        long[] data = new long[count];
        if (t.hasRawData()) {
            requireRawBytes(t, (long) count * Long.BYTES, source);
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            raw.asLongBuffer().get(data);
        } else {
            if (t.getInt64DataCount() != count) {
                throw new OnnxImportException(source + ": tensor '" + t.getName() + "' has " + t.getInt64DataCount()
                        + " int64_data values; expected " + count);
            }
            for (int i = 0; i < count; i++) {
                data[i] = t.getInt64Data(i);
            }
        }
        return data;
    }

    static boolean isFloat(TensorProto t) {
        return t.getDataType() == TensorProto.DataType.FLOAT.getNumber();
    }

    static String typeName(TensorProto t) {
        TensorProto.DataType type = TensorProto.DataType.forNumber(t.getDataType());
        return type == null ? "data type " + t.getDataType() : type.name();
    }

    private static void requireType(TensorProto t, TensorProto.DataType type, String source)
            throws OnnxImportException {
        if (t.getDataType() != type.getNumber()) {
            throw new OnnxImportException(source + ": tensor '" + t.getName() + "' is " + typeName(t)
                    + "; expected " + type.name());
        }
    }

    private static void requireEmbedded(TensorProto t, String source) throws OnnxImportException {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new OnnxImportException(source + ": tensor '" + t.getName()
                    + "' keeps its data in an external file; re-export the model with all weights inside the .onnx file");
        }
    }

    private static int count(TensorProto t, int[] shape, String source) throws OnnxImportException {
        long count = Tensor.sizeOf(shape);
        if (count > Integer.MAX_VALUE - 8) {
            throw new OnnxImportException(source + ": tensor '" + t.getName() + "' of shape "
                    + Arrays.toString(shape) + " is too large for one array");
        }
        return (int) count;
    }

    private static void requireRawBytes(TensorProto t, long expected, String source) throws OnnxImportException {
        if (t.getRawData().size() != expected) {
            throw new OnnxImportException(source + ": tensor '" + t.getName() + "' has " + t.getRawData().size()
                    + " bytes of raw_data; expected " + expected);
        }
    }
}

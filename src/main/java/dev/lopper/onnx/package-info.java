/**
 * ONNX model I/O: reading, validating, decoding, cutting and writing tensors.
 *
 * <h2>Reading</h2>
 * {@link dev.lopper.onnx.ModelReader#read} maps the file and parses it with protobuf aliasing, so every
 * {@code raw_data} is a window of the memory map (a 500 MB model costs a few MB of heap). It then validates
 * what later stages rely on — graph present, opsets, element types, initializer sizes, unique tensor
 * producers, no cycles, no undefined inputs in the main graph (subgraphs may read outer-scope names), and
 * for every external tensor that its file exists inside the model's folder and is long enough (metadata
 * only). Every failure is a {@link dev.lopper.onnx.ModelLoadException} with one line
 * {@code cannot read FILE: REASON}; the CLI prints it after {@code lopper: }.
 *
 * <h2>Values</h2>
 * {@link dev.lopper.onnx.OnnxModel#tensor} / {@link dev.lopper.onnx.OnnxModel#rawBytes} resolve raw, typed and
 * external storage; {@link dev.lopper.onnx.TensorData#toFloatArray} decodes any numeric type (float32 raw
 * data is one bulk copy). {@link dev.lopper.onnx.TensorCodec} converts between raw bytes, typed fields and
 * floats for every fixed-size element type; {@link dev.lopper.onnx.Half} and {@link dev.lopper.onnx.Float8}
 * round to nearest even.
 *
 * <h2>Cutting and building</h2>
 * {@link dev.lopper.onnx.Tensors}: {@code slice}/{@code sliceAxes} (keep sorted indices along axes, for every
 * fixed-size type and strings, keeping name, type and raw-vs-typed storage; external data comes back
 * inline), {@code fromFloats}, {@code ofFloats}, {@code ofLongs}, {@code replaceValues}.
 *
 * <h2>Writing</h2>
 * {@link dev.lopper.onnx.ModelWriter} writes atomically (temp file in the target folder, fsync, atomic move),
 * never over the source model or its external data (real paths, symbolic and hard links), moves tensors to
 * {@code <file name>.data} (64-byte aligned, relative location) when they were external, exceed a threshold,
 * or the model would pass 2 GB, and copies unchanged external tensors file to file. An unedited inline model
 * is reproduced byte for byte. Failures are {@link dev.lopper.onnx.ModelWriteException}:
 * {@code cannot write FILE: REASON}. {@link dev.lopper.onnx.ModelSha256} hashes a model file, streamed.
 */
package dev.lopper.onnx;

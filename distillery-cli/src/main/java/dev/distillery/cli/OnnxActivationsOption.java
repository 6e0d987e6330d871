package dev.distillery.cli;

import dev.distillery.onnx.ActivationPrecision;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How ONNX Runtime treats the activations of a quantized folder's products; export-onnx and bench take it alike. */
final class OnnxActivationsOption {
    @Option(names = "--activations", defaultValue = "fp32", paramLabel = "fp32|int8", converter = Converter.class,
            description = "For a quantized folder, ONNX Runtime's activations: fp32 keeps them float, so it computes "
                    + "with exactly the weights Distillery uses; int8 quantizes them on the fly where ONNX Runtime "
                    + "has an integer kernel (INT8 weights: DynamicQuantizeMatMul; Q4_0: MatMulNBits accuracy "
                    + "level 4), faster on CPUs with VNNI but the logits move. Default: ${DEFAULT-VALUE}.")
    ActivationPrecision activations;

    /** Turns an unknown value into a usage error (exit code 2) listing the known ones. */
    static final class Converter implements CommandLine.ITypeConverter<ActivationPrecision> {
        @Override
        public ActivationPrecision convert(String value) {
            try {
                return ActivationPrecision.fromId(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}

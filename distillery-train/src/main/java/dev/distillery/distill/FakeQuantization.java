package dev.distillery.distill;

import dev.distillery.model.ModelConfig;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.nn.Parameter;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.WeightSelection;
import dev.distillery.tensor.Tensor;
import dev.distillery.train.WeightProxy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Quantization-aware training by fake quantization with a straight-through estimator (Jacob et al.
 * 2018; Bengio et al. 2013): while the {@link dev.distillery.train.Trainer} runs forward and backward
 * passes, each chosen weight W holds {@code dequantize(quantize(W_master))}; the gradient computed there
 * is applied to the FP32 master as if the round trip were the identity (dW_master := dW_q). Quantizing
 * the trained masters afterwards gives exactly the weights the student was trained and validated with.
 * <pre>{@code
 * new Trainer(student, train, validation, options, loss)
 *         .weightProxy(new FakeQuantization(student, FakeQuantization.packedBy(student.config(), QuantScheme.NF4_DQ),
 *                 FakeQuantization.roundTrip(QuantScheme.NF4_DQ)))
 *         .fit();
 * }</pre>
 */
public final class FakeQuantization implements WeightProxy {
    /**
     * The weights post-training quantization to {@code scheme} packs ({@link WeightSelection}): the encoder's
     * matrices, embeddings included; the head, biases and LayerNorms stay FP32.
     */
    public static Predicate<Parameter> packedBy(ModelConfig config, QuantScheme scheme) {
        return p -> WeightSelection.packs(config, scheme, p.name(), p.value().shape());
    }

    private final List<Parameter> quantized;
    private final UnaryOperator<Tensor> roundTrip;
    private final List<float[]> masters; // one per quantized parameter, same length as its data
    private boolean applied;

    /**
     * @param which     the parameters to fake-quantize
     * @param roundTrip {@code dequantize(quantize(w))} of one weight tensor, same shape, not modifying its argument
     */
    public FakeQuantization(SequenceClassifier model, Predicate<Parameter> which, UnaryOperator<Tensor> roundTrip) {
        List<Parameter> chosen = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            if (which.test(p)) {
                chosen.add(p);
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("no parameter of the " + model.config().numLayers()
                    + "-layer model is chosen for fake quantization");
        }
        this.quantized = List.copyOf(chosen);
        this.roundTrip = roundTrip;
        this.masters = new ArrayList<>(chosen.size());
        for (Parameter p : chosen) {
            masters.add(new float[p.data().length]);
        }
    }

    /**
     * {@code dequantize(quantize(w))} of a [rows, cols] weight in {@code scheme}, bit for bit what the
     * scheme's reference dequantization gives after post-training quantization of the same weight.
     */
    public static UnaryOperator<Tensor> roundTrip(QuantScheme scheme) {
        return w -> {
            if (w.rank() != 2) {
                throw new IllegalArgumentException("fake quantization takes [rows, cols] weights, not " + w);
            }
            return Tensor.of(scheme.quantize(w.data(), w.dim(0), w.dim(1)).dequantize(), w.shape());
        };
    }

    /** Names of the fake-quantized parameters, in model order. */
    public List<String> names() {
        return quantized.stream().map(Parameter::name).toList();
    }

    @Override
    public void apply() {
        if (applied) {
            throw new IllegalStateException("fake quantization is applied already; restore first");
        }
        for (int i = 0; i < quantized.size(); i++) {
            Parameter p = quantized.get(i);
            float[] data = p.data();
            System.arraycopy(data, 0, masters.get(i), 0, data.length);
            Tensor q = roundTrip.apply(Tensor.of(masters.get(i).clone(), p.value().shape()));
            if (!q.sameShape(p.value())) {
                throw new IllegalStateException("the round trip of " + p.name() + " " + p.value()
                        + " changed its shape to " + q);
            }
            System.arraycopy(q.data(), 0, data, 0, data.length);
            p.touch(); // an inference snapshot of the model (Classifier's) must see the new weights
        }
        applied = true;
    }

    @Override
    public void restore() {
        if (!applied) {
            throw new IllegalStateException("fake quantization is not applied; nothing to restore");
        }
        for (int i = 0; i < quantized.size(); i++) {
            Parameter p = quantized.get(i);
            System.arraycopy(masters.get(i), 0, p.data(), 0, p.data().length);
            p.touch();
        }
        applied = false;
    }
}

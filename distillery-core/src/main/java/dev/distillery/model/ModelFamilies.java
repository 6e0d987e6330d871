package dev.distillery.model;

import dev.distillery.model.bert.BertFamily;
import dev.distillery.model.distilbert.DistilBertFamily;
import dev.distillery.model.llama.LlamaFamily;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of model families, keyed by Hugging Face {@code model_type} (as Jlama's
 * {@code ModelSupport}): the one list to extend when a family sub-package is added.
 * <pre>{@code
 * ModelFamilies.byModelType("distilbert").name();   // "distilbert"
 * ModelFamilies.of(config).tensorShapes(config);     // the checkpoint's names and shapes
 * }</pre>
 */
public final class ModelFamilies {
    private static final List<ModelFamily> ALL = List.of(BertFamily.INSTANCE, DistilBertFamily.INSTANCE,
            LlamaFamily.INSTANCE);
    private static final Map<String, ModelFamily> BY_TYPE = index();

    private ModelFamilies() {
    }

    private static Map<String, ModelFamily> index() {
        Map<String, ModelFamily> m = new LinkedHashMap<>();
        for (ModelFamily f : ALL) {
            for (String type : f.modelTypes()) {
                if (m.put(type, f) != null) {
                    throw new IllegalStateException("two families read model_type " + type);
                }
            }
        }
        return m;
    }

    /** Every registered family, in registration order. */
    public static List<ModelFamily> all() {
        return ALL;
    }

    /** Every {@code model_type} some family reads. */
    public static List<String> modelTypes() {
        return new ArrayList<>(BY_TYPE.keySet());
    }

    /** @throws InvalidConfigException naming the supported types when none reads {@code modelType} */
    public static ModelFamily byModelType(String modelType) {
        ModelFamily f = BY_TYPE.get(modelType);
        if (f == null) {
            throw new InvalidConfigException("model_type \"" + modelType + "\" is not supported; expected one of "
                    + String.join(", ", BY_TYPE.keySet()));
        }
        return f;
    }

    /** The family of {@code config}. */
    public static ModelFamily of(ModelConfig config) {
        return byModelType(config.family());
    }

    /** The encoder family named {@code name}; throws when it is unknown or not an encoder family. */
    public static EncoderFamily encoder(String name) {
        ModelFamily f = BY_TYPE.get(name);
        if (f instanceof EncoderFamily e) {
            return e;
        }
        List<String> encoders = ALL.stream().filter(x -> x instanceof EncoderFamily).map(ModelFamily::name).toList();
        throw new InvalidConfigException("unknown encoder family '" + name + "': expected " + String.join(" or ", encoders));
    }
}

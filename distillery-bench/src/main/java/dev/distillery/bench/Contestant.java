package dev.distillery.bench;

import dev.distillery.model.EncoderInput;

/** One engine under measurement: encodes a padded batch; what it returns is not inspected. */
@FunctionalInterface
public interface Contestant {
    void encode(EncoderInput input) throws Exception;
}

package dev.distillery.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** A LoRA adapter applied to a decoder as it is loaded; generate and mcq take it alike. */
final class AdapterOption {
    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A LoRA adapter folder (PEFT's layout, e.g. written by 'distillery finetune') applied to the "
                    + "model, its base kept as stored (a 4-bit base stays 4-bit).")
    Path adapter;
}

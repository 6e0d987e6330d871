package dev.distillery.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.testing.ParserContract;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of the dataset readers: the first byte picks the format (its value mod 3: CSV, TSV,
 * JSONL, so the seeds start with '0', '1' or '2'), the rest is the file, gzipped or not (the reader looks at
 * the magic bytes). Any bytes give rows or a {@link DatasetException} naming the file. Seeds:
 * {@code DatasetReaderFuzzTestInputs/datasetFile}.
 */
class DatasetReaderFuzzTest {
    private static final DatasetFormat[] FORMATS = {DatasetFormat.CSV, DatasetFormat.TSV, DatasetFormat.JSONL};

    @FuzzTest
    void datasetFile(byte[] input) {
        if (input.length == 0) {
            return;
        }
        DatasetFormat format = FORMATS[(input[0] & 0xff) % FORMATS.length];
        Path file = ParserContract.file("data." + format.name().toLowerCase(Locale.ROOT),
                Arrays.copyOfRange(input, 1, input.length));
        // the URL transform runs on every text, so it is fuzzed too
        ReadOptions options = ReadOptions.defaults().withFormat(format).withTransform(TextTransform.URL_NORMALIZE);
        ParserContract.check(DatasetException.class, file, () -> {
            try (DatasetReader rows = DatasetReader.open(file, options)) {
                for (Row row : rows) {
                    row.text();
                }
            }
        });
    }

    /** Found by the fuzzer: a quoted header field holding a line break made the message two lines. */
    @Test
    void lineBreakInAColumnName() {
        byte[] input = ParserContract.input(getClass(), "datasetFile", "line-break-in-column-name.csv");
        Path file = ParserContract.file("data.csv", Arrays.copyOfRange(input, 1, input.length));
        assertEquals(file + ":1: no text column: neither 'url' nor 'text' is present; columns present: [wrlx, \\n1,label\\nurl,label\\nhttp://a.co#l,label\\n/x,];"
                + " name the text column explicitly", ParserContract.message(DatasetException.class, file.toString(), () -> {
                    try (DatasetReader rows = DatasetReader.open(file, ReadOptions.defaults().withFormat(DatasetFormat.CSV))) {
                        rows.forEach(Row::text);
                    }
                }));
    }
}

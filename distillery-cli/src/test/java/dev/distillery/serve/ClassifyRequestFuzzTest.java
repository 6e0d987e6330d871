package dev.distillery.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.testing.ParserContract;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of the body of {@code POST /v1/classify}: any bytes give the inputs, within the
 * limits, or an {@link ApiException} of a 4xx kind whose message is one line. Seeds:
 * {@code ClassifyRequestFuzzTestInputs/requestBody}.
 */
class ClassifyRequestFuzzTest {
    // small limits, so the fuzzer reaches them with inputs of a few hundred bytes
    private static final ServerLimits LIMITS = new ServerLimits(4096, 4, 64, 16);

    @FuzzTest
    void requestBody(byte[] body) {
        // a request has no file name; its errors speak of the body, or of what in it is wrong
        ParserContract.check(ApiException.class, "", () -> {
            try {
                ClassifyRequest request = ClassifyRequest.parse(body, LIMITS);
                assertTrue(!request.inputs().isEmpty() && request.inputs().size() <= LIMITS.maxInputs());
                for (String text : request.inputs()) {
                    assertTrue(text.codePointCount(0, text.length()) <= LIMITS.maxInputChars());
                }
            } catch (ApiException e) {
                assertTrue(e.kind().status() >= 400 && e.kind().status() < 500, e.kind() + ": " + e.getMessage());
                throw e;
            }
        });
    }

    /** Found by the fuzzer: a field name holding a line break made the message two lines. */
    @Test
    void lineBreakInAFieldName() {
        byte[] body = ParserContract.input(getClass(), "requestBody", "line-break-in-field-name.json");
        assertEquals("unknown field \"i\\nputs\"; expected {\"inputs\": [\"text\", ...]}",
                ParserContract.message(ApiException.class, "", () -> ClassifyRequest.parse(body, LIMITS)));
    }
}

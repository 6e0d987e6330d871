package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every header rule of the reader, each broken on purpose, plus truncation at every length. */
class SafetensorsValidationTest {
    @TempDir
    Path tmp;

    /** A file with the given header text (unpadded) and {@code dataLength} data bytes of value 7. */
    static byte[] file(String header, int dataLength) {
        return file(header.getBytes(StandardCharsets.UTF_8), header.getBytes(StandardCharsets.UTF_8).length, dataLength);
    }

    static byte[] file(byte[] header, long declaredLength, int dataLength) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataLength).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        for (int i = 0; i < dataLength; i++) {
            b.put((byte) 7);
        }
        return b.array();
    }

    private Path write(byte[] content) throws IOException {
        Path p = tmp.resolve("t.safetensors");
        Files.write(p, content);
        return p;
    }

    private CheckpointFormatException rejected(byte[] content) throws IOException {
        Path p = write(content);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    private static final String VALID = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"I8\",\"shape\":[1,3],\"data_offsets\":[8,11]}}";

    @Test
    void acceptsTheValidBaseFile() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(write(file(VALID, 11)))) {
            assertEquals(2, f.tensors().size());
            assertArrayEquals(new byte[] {7, 7, 7}, f.raw("b").data());
            assertArrayEquals(new float[] {7, 7, 7}, f.toTensor("b").data());
        }
    }

    @Test
    void rejectsAHugeHeaderLengthWithoutAllocatingIt() throws IOException {
        String m = rejected(file(new byte[8], Long.MAX_VALUE, 0)).getMessage();
        assertTrue(m.contains("limit"), m);
        m = rejected(file(new byte[8], -1L, 0)).getMessage(); // 2^64 - 1 as unsigned
        assertTrue(m.contains("18446744073709551615"), m);
    }

    @Test
    void rejectsAHeaderLongerThanTheFile() throws IOException {
        String m = rejected(file("{}".getBytes(StandardCharsets.UTF_8), 90_000_000L, 0)).getMessage();
        assertTrue(m.contains("truncated"), m);
    }

    @Test
    void rejectsAFileShorterThanTheLengthField() throws IOException {
        assertTrue(rejected(new byte[5]).getMessage().contains("too short"));
    }

    @Test
    void rejectsInvalidUtf8() throws IOException {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertTrue(rejected(file(header, header.length, 0)).getMessage().contains("UTF-8"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON                 | {"a":                                                                        | not valid JSON
            an array                 | [1,2]                                                                        | must be a JSON object
            trailing garbage         | {} x                                                                         | not valid JSON
            duplicate tensor         | {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}} | Duplicate
            duplicate field          | {"a":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}}          | Duplicate
            entry not an object      | {"a":3}                                                                      | must be an object
            missing dtype            | {"a":{"shape":[1],"data_offsets":[0,1]}}                                     | no "dtype"
            missing shape            | {"a":{"dtype":"U8","data_offsets":[0,1]}}                                    | no "shape"
            missing offsets          | {"a":{"dtype":"U8","shape":[1]}}                                             | no "data_offsets"
            dtype not a string       | {"a":{"dtype":8,"shape":[1],"data_offsets":[0,1]}}                           | not a string
            unknown dtype            | {"a":{"dtype":"Q4_K","shape":[1],"data_offsets":[0,1]}}                      | unsupported dtype 'Q4_K'
            negative dimension       | {"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}                       | shape dimension 0
            fractional dimension     | {"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}                      | shape dimension 0
            shape not an array       | {"a":{"dtype":"U8","shape":"1","data_offsets":[0,1]}}                        | not an array
            three offsets            | {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}}                      | two integers
            offsets reversed         | {"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}                        | end before they begin
            offset beyond 2^63       | {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,99999999999999999999]}}     | below 2^63
            size mismatch            | {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,1]}}                       | need 8 bytes
            element count overflow   | {"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,1]}}   | overflows 64 bits
            byte size overflow       | {"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,1]}}    | overflow
            half a byte of F4        | {"a":{"dtype":"F4","shape":[1],"data_offsets":[0,1]}}                        | whole number of bytes
            absurd but consistent    | {"a":{"dtype":"U8","shape":[1000000000000],"data_offsets":[0,1000000000000]}} | ends at byte 1000000000000
            overlap                  | {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}} | overlaps tensor
            gap                      | {"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}                        | leaving a gap
            bytes not covered        | {"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}                        | the tensors cover 1 bytes
            metadata not strings     | {"__metadata__":{"format":1}}                                                | metadata entry 'format'
            metadata not an object   | {"__metadata__":"pt"}                                                        | must be an object of strings
            """)
    void rejectsHeader(String why, String header, String expectedMessagePart) throws IOException {
        String m = rejected(file(header, 2)).getMessage();
        assertTrue(m.contains(expectedMessagePart), why + ": message was: " + m);
    }

    @Test
    void errorsNameTheTensor() throws IOException {
        String m = rejected(file("{\"encoder.w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)).getMessage();
        assertTrue(m.contains("'encoder.w'") && m.contains("need 12 bytes") && m.contains("span 8"), m);
    }

    @Test
    void acceptsEmptyFileScalarsZeroSizeTensorsAndSubByteTypes() throws IOException {
        String header = "{\"__metadata__\":{\"k\":\"v\"},\"s\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,2]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[2,2]},"
                + "\"f4\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[2,5]},"
                + "\"f6\":{\"dtype\":\"F6_E3M2\",\"shape\":[4],\"data_offsets\":[5,8]}}";
        try (SafetensorsFile f = SafetensorsFile.open(write(file(header, 8)))) {
            assertEquals("v", f.metadata().get("k"));
            assertEquals(0, f.toTensor("s").rank());
            assertEquals(0, f.toTensor("z").size());
            assertEquals(3, f.raw("f4").data().length);
            assertEquals(3, f.raw("f6").data().length);
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> f.toTensor("f4"));
            assertTrue(e.getMessage().contains("raw bytes"), e.getMessage());
            assertThrows(CheckpointFormatException.class, () -> f.info("missing"));
        }
        try (SafetensorsFile f = SafetensorsFile.open(write(file("{}", 0)))) {
            assertEquals(0, f.tensors().size());
        }
    }

    @Test
    void everyTruncationIsRejected() throws IOException {
        byte[] whole = file(VALID + "   ", 11);
        for (int length = 0; length < whole.length; length++) {
            byte[] cut = Arrays.copyOf(whole, length);
            Path p = write(cut);
            assertThrows(CheckpointFormatException.class, () -> SafetensorsFile.open(p).close(), "truncated to " + length);
        }
    }
}

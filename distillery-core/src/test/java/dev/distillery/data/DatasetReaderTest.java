package dev.distillery.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) {
        return writeBytes(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private Path writeBytes(String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(String content) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(content.getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Row> readAll(Path file, ReadOptions options) {
        List<Row> rows = new ArrayList<>();
        try (DatasetReader reader = DatasetReader.open(file, options)) {
            reader.forEach(rows::add);
        }
        return rows;
    }

    private static DatasetException fails(Path file, ReadOptions options) {
        return assertThrows(DatasetException.class, () -> readAll(file, options));
    }

    @Test
    void csvQuotingFollowsRfc4180() {
        Path f = write("q.csv", "\uFEFFid,url,label\r\n"
                + "1,\"http://a.com/x,y\",1\r\n"
                + "2,\"say \"\"hi\"\"\",0\n"
                + "\n"
                + "3,\"two\nlines\",0\n"
                + "4,plain,1");
        List<Row> rows = readAll(f, ReadOptions.defaults());
        assertEquals(List.of(
                new Row("http://a.com/x,y", "1", 2),
                new Row("say \"hi\"", "0", 3),
                new Row("two\nlines", "0", 5),
                new Row("plain", "1", 7)), rows);
    }

    @Test
    void emptyLastFieldAndTextColumnFallback() {
        Path f = write("t.csv", "text,label,note\nhello,spam,\n");
        try (DatasetReader reader = DatasetReader.open(f, ReadOptions.defaults())) {
            assertEquals(List.of("text", "label", "note"), reader.columns());
            assertEquals("text", reader.textColumn());
            assertEquals(new Row("hello", "spam", 2), reader.next());
            assertTrue(!reader.hasNext());
        }
    }

    @Test
    void tsvUsesTabs() {
        Path f = write("d.tsv", "label\ttext\nbenign\ta,b c\nmalware\t\"x\ty\"\n");
        assertEquals(List.of(new Row("a,b c", "benign", 2), new Row("x\ty", "malware", 3)),
                readAll(f, ReadOptions.defaults()));
    }

    @Test
    void jsonlWithStringAndIntegerLabels() {
        Path f = write("d.jsonl", "{\"text\": \"héllo\", \"label\": 1}\n\n{\"label\": \"0\", \"text\": \"x\", \"extra\": [1]}\n");
        assertEquals(List.of(new Row("héllo", "1", 1), new Row("x", "0", 3)), readAll(f, ReadOptions.defaults()));
    }

    @Test
    void gzipDetectedByMagicNotName() {
        String csv = "url,label\nhttps://www.a.com/,1\n";
        Path gzNamedCsv = writeBytes("really-gz.csv", gzip(csv));
        Path plainNamedGz = write("plain.csv.gz", csv);
        ReadOptions norm = ReadOptions.defaults().withTransform(TextTransform.URL_NORMALIZE);
        assertEquals(List.of(new Row("a.com", "1", 2)), readAll(gzNamedCsv, norm));
        assertEquals(List.of(new Row("a.com", "1", 2)), readAll(plainNamedGz, norm));
        Path jsonGz = writeBytes("d.jsonl.gz", gzip("{\"url\":\"u\",\"label\":\"a\"}\n"));
        assertEquals(List.of(new Row("u", "a", 1)), readAll(jsonGz, ReadOptions.defaults()));
    }

    @Test
    void unlabeledReadIgnoresLabelColumn() {
        Path f = write("p.csv", "url\nhttp://x.org\n");
        assertEquals(List.of(new Row("http://x.org", null, 2)), readAll(f, ReadOptions.defaults().unlabeled()));
    }

    @Test
    void datasetLoadInfersLabelsAndSplitsShareOneMap() {
        Path tr = write("train.csv", "url,label\na,10\nb,2\nc,10\n");
        Path va = write("validation.csv", "url,label\nd,0\n");
        Dataset d = Dataset.load(tr, ReadOptions.defaults());
        assertEquals(List.of("2", "10"), d.labelMap().names());
        assertArrayEquals(new int[] {1, 0, 1}, d.labels());
        Splits s = Dataset.loadSplits(tr, va, null, ReadOptions.defaults());
        assertEquals(List.of("0", "2", "10"), s.labelMap().names());
        assertArrayEquals(new int[] {2, 1, 2}, s.train().labels());
        assertArrayEquals(new int[] {0}, s.validation().labels());
        assertEquals(0, s.test().size());
    }

    // ---- every error names the file and line ----

    @Test
    void missingColumnListsColumnsPresent() {
        Path f = write("m.csv", "link,label\na,1\n");
        DatasetException e = fails(f, ReadOptions.defaults());
        assertEquals(1, e.line());
        assertTrue(e.getMessage().startsWith(f + ":1: "), e.getMessage());
        assertTrue(e.getMessage().contains("[link, label]"), e.getMessage());

        Path g = write("n.csv", "url,class\na,1\n");
        DatasetException e2 = fails(g, ReadOptions.defaults());
        assertTrue(e2.getMessage().contains("missing label column 'label'; columns present: [url, class]"), e2.getMessage());

        Path j = write("m.jsonl", "{\"url\":\"a\",\"label\":1}\n{\"url\":\"b\"}\n");
        DatasetException e3 = fails(j, ReadOptions.defaults());
        assertEquals(2, e3.line());
        assertTrue(e3.getMessage().contains("members present: [url]"), e3.getMessage());
    }

    @Test
    void emptyFileAndHeaderOnly() {
        DatasetException empty = fails(write("e.csv", ""), ReadOptions.defaults());
        assertTrue(empty.getMessage().contains("empty file"), empty.getMessage());
        DatasetException emptyGz = fails(writeBytes("e.csv.gz", gzip("")), ReadOptions.defaults());
        assertTrue(emptyGz.getMessage().contains("empty file"), emptyGz.getMessage());
        DatasetException header = fails(write("h.csv", "url,label\n"), ReadOptions.defaults());
        assertTrue(header.getMessage().contains("no data rows"), header.getMessage());
        DatasetException json = fails(write("e.jsonl", "\n\n"), ReadOptions.defaults());
        assertTrue(json.getMessage().contains("empty file"), json.getMessage());
    }

    @Test
    void invalidUtf8ReportsLine() {
        byte[] good = "url,label\na,1\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'b', (byte) 0xC3, '(', ',', '0', '\n'}; // 0xC3 must be followed by a continuation byte
        byte[] all = Arrays.copyOf(good, good.length + bad.length);
        System.arraycopy(bad, 0, all, good.length, bad.length);
        DatasetException e = fails(writeBytes("u.csv", all), ReadOptions.defaults());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("not valid UTF-8 at byte 2"), e.getMessage());
        // the same bytes inside gzip, to show decoding happens after decompression
        DatasetException gz = assertThrows(DatasetException.class, () -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(all);
            }
            readAll(writeBytes("u.csv.gz", out.toByteArray()), ReadOptions.defaults());
        });
        assertEquals(3, gz.line());
    }

    @Test
    void unterminatedQuoteReportsWhereItOpened() {
        Path f = write("q.csv", "url,label\nok,1\n\"http://a.com,1\nnext,0\n");
        DatasetException e = fails(f, ReadOptions.defaults());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("never closed"), e.getMessage());
    }

    @Test
    void strayQuotesAreRejected() {
        DatasetException inside = fails(write("a.csv", "url,label\nab\"c,1\n"), ReadOptions.defaults());
        assertEquals(2, inside.line());
        assertTrue(inside.getMessage().contains("column 3"), inside.getMessage());
        DatasetException after = fails(write("b.csv", "url,label\n\"ab\"c,1\n"), ReadOptions.defaults());
        assertEquals(2, after.line());
        assertTrue(after.getMessage().contains("after a closing quote"), after.getMessage());
    }

    @Test
    void wrongFieldCount() {
        DatasetException e = fails(write("w.csv", "url,label\na,1\nb,0,extra\n"), ReadOptions.defaults());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("expected 2 fields") && e.getMessage().contains("found 3"), e.getMessage());
        DatasetException few = fails(write("x.csv", "url,label\na\n"), ReadOptions.defaults());
        assertEquals(2, few.line());
    }

    @Test
    void emptyTextAndEmptyLabel() {
        DatasetException text = fails(write("t.csv", "url,label\na,1\n  ,0\n"), ReadOptions.defaults());
        assertEquals(3, text.line());
        assertTrue(text.getMessage().contains("empty text in column 'url'"), text.getMessage());
        // "http://" has text, but nothing is left once normalised
        DatasetException normalised = fails(write("n.csv", "url,label\nhttp://,0\n"),
                ReadOptions.defaults().withTransform(TextTransform.URL_NORMALIZE));
        assertTrue(normalised.getMessage().contains("after url-normalize"), normalised.getMessage());
        DatasetException label = fails(write("l.csv", "url,label\na,\n"), ReadOptions.defaults());
        assertTrue(label.getMessage().contains("empty label"), label.getMessage());
        DatasetException json = fails(write("j.jsonl", "{\"text\":\"\",\"label\":1}\n"), ReadOptions.defaults());
        assertEquals(1, json.line());
    }

    @Test
    void unknownLabelAgainstGivenMap() {
        Path f = write("p.csv", "url,label\na,0\nb,1\nc,2\n");
        DatasetException e = fails(f, ReadOptions.defaults().withLabels(LabelMap.of("0", "1")));
        assertEquals(4, e.line());
        assertTrue(e.getMessage().contains("unknown label '2'") && e.getMessage().contains("[0, 1]"), e.getMessage());
        DatasetException viaLoad = assertThrows(DatasetException.class,
                () -> Dataset.load(f, ReadOptions.defaults().withLabels(LabelMap.of("0", "1"))));
        assertEquals(4, viaLoad.line());
    }

    @Test
    void badJsonLines() {
        assertEquals(2, fails(write("a.jsonl", "{\"text\":\"a\",\"label\":1}\n{\"text\": \n"), ReadOptions.defaults()).line());
        assertTrue(fails(write("b.jsonl", "[1,2]\n"), ReadOptions.defaults()).getMessage().contains("JSON object"));
        assertTrue(fails(write("c.jsonl", "{\"text\":\"a\",\"label\":1.5}\n"), ReadOptions.defaults()).getMessage()
                .contains("string or an integer"));
        assertTrue(fails(write("d.jsonl", "{\"text\":3,\"label\":1}\n"), ReadOptions.defaults()).getMessage()
                .contains("must be a string"));
        assertTrue(fails(write("e.jsonl", "{\"text\":\"a\",\"text\":\"b\",\"label\":1}\n"), ReadOptions.defaults())
                .getMessage().contains("not valid JSON"));
    }

    @Test
    void truncatedGzipAndUnknownExtension() {
        byte[] gz = gzip("url,label\n" + "http://example.com/abc,1\n".repeat(2000));
        Path cut = writeBytes("cut.csv.gz", Arrays.copyOf(gz, gz.length / 2));
        DatasetException e = fails(cut, ReadOptions.defaults());
        assertTrue(e.getMessage().contains("gzip data ends early"), e.getMessage());
        DatasetException ext = assertThrows(DatasetException.class, () -> DatasetReader.open(write("d.txt", "x"), ReadOptions.defaults()));
        assertTrue(ext.getMessage().contains("cannot tell the format"), ext.getMessage());
        assertEquals(List.of(new Row("x", null, 1)),
                readAll(write("d2.txt", "{\"text\":\"x\"}"), ReadOptions.defaults().unlabeled().withFormat(DatasetFormat.JSONL)));
        DatasetException missing = assertThrows(DatasetException.class, () -> DatasetReader.open(dir.resolve("nope.csv"), ReadOptions.defaults()));
        assertTrue(missing.getMessage().contains("file not found"), missing.getMessage());
    }

    @Test
    void duplicateHeaderColumn() {
        DatasetException e = fails(write("d.csv", "url,label,url\na,1,b\n"), ReadOptions.defaults());
        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
    }
}

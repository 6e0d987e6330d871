package dev.distillery.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Progress rendering under a hand-driven clock: no wall-clock time is involved. */
class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void seconds(double s) {
        nanos.addAndGet((long) (s * 1e9));
    }

    @Test
    void lineShowsRateEtaAndRunningLoss() {
        Progress p = new Progress("epoch 1/3", 400, "ex", out, false, nanos::get, 10_000);
        seconds(2);
        p.advance(50, 0.9);
        seconds(2);
        p.advance(50, 0.5);
        // 100 of 400 in 4 s: 25 ex/s, 300 left → 12 s; loss mean (0.9 + 0.5) / 2
        assertEquals("epoch 1/3 [======>                 ]  25%  100/400 ex  25.0 ex/s  ETA 0:00:12  loss 0.7000",
                p.line());
        assertEquals(0.7, p.runningLoss(), 1e-12);
    }

    @Test
    void plainModePrintsAtMostOneLinePerInterval() {
        Progress p = new Progress("eval", 100, "ex", out, false, nanos::get, 10_000);
        for (int i = 0; i < 10; i++) {
            seconds(3);
            p.advance(10);
        }
        p.close();
        String[] lines = output().split("\n");
        // lines at 12 s, 24 s (after 10 s each) and the final one at 30 s; no carriage returns
        assertEquals(3, lines.length, output());
        assertFalse(output().contains("\r"));
        assertTrue(lines[2].contains("100/100 ex") && lines[2].contains("in 0:00:30"), lines[2]);
    }

    @Test
    void terminalModeRedrawsInPlaceAndEndsWithANewline() {
        Progress p = new Progress("train", 10, "ex", out, true, nanos::get, 10_000);
        seconds(1);
        p.advance(9, 1.25);
        seconds(0.05); // within the redraw interval: no redraw
        p.advance(1, 0.75);
        p.close();
        String s = output();
        assertEquals(2, s.chars().filter(c -> c == '\r').count(), s);
        assertTrue(s.endsWith("\n"));
        assertTrue(s.contains("9/10 ex") && s.contains("10/10 ex  9.5 ex/s"), s);
        // the final line, longer or shorter, is padded over the previous one
        String last = s.substring(s.lastIndexOf('\r') + 1, s.length() - 1);
        String previous = s.substring(s.indexOf('\r') + 1, s.lastIndexOf('\r'));
        assertTrue(last.length() >= previous.length());
    }

    @Test
    void skippedItemsMoveTheBarButNotTheRate() {
        Progress p = new Progress("epoch 2/3 (resumed)", 100, "ex", out, false, nanos::get, 10_000);
        p.skip(50);
        seconds(5);
        p.advance(10);
        assertEquals(2.0, p.rate(), 1e-12);
        assertTrue(p.line().contains("60/100 ex") && p.line().contains("ETA 0:00:20"), p.line());
    }

    @Test
    void durationsAreHoursMinutesSeconds() {
        assertEquals("1:02:05", Progress.duration(3725.2));
        assertEquals("0:00:00", Progress.duration(0.4));
    }
}

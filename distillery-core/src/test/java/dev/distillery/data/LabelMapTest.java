package dev.distillery.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabelMapTest {
    @Test
    void integersSortNumerically() {
        assertEquals(List.of("-1", "0", "2", "10"), LabelMap.infer(List.of("10", "2", "0", "-1", "2")).names());
    }

    @Test
    void stringsSortByCodeUnitsAndNonCanonicalIntegersAreStrings() {
        assertEquals(List.of("benign", "defacement", "malware", "phishing"),
                LabelMap.infer(List.of("phishing", "benign", "malware", "defacement")).names());
        // "01" is not a canonical integer, so all four sort as text: "10" < "2" by character
        assertEquals(List.of("01", "10", "2", "B", "a"), LabelMap.infer(List.of("2", "01", "10", "a", "B")).names());
    }

    @Test
    void explicitOrderIsKeptAndLookedUp() {
        LabelMap m = LabelMap.of("phishing", "legit");
        assertEquals(0, m.indexOf("phishing"));
        assertEquals(1, m.indexOf("legit"));
        assertEquals(-1, m.indexOf("other"));
        assertEquals("legit", m.name(1));
        assertEquals(m, LabelMap.of(List.of("phishing", "legit")));
    }

    @Test
    void rejectsDuplicatesBlanksAndEmpty() {
        assertThrows(DatasetException.class, () -> LabelMap.of("a", "a"));
        assertThrows(DatasetException.class, () -> LabelMap.of("a", " "));
        assertThrows(DatasetException.class, () -> LabelMap.of(List.of()));
    }
}

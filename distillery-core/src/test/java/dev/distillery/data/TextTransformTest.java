package dev.distillery.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextTransformTest {
    private static String norm(String s) {
        return TextTransform.URL_NORMALIZE.apply(s);
    }

    @Test
    void normalizeFollowsTheFourSteps() {
        assertEquals("Example.com/a", norm(" HTTPS://WWW.Example.com/a/ "));
        assertEquals("a.com", norm("a.com/"));
        assertEquals("a.com/", norm("a.com//"));             // only one trailing slash
        assertEquals("www.a.com", norm("www.www.a.com"));    // only one www.
        assertEquals("a.com", norm("svn+ssh://a.com"));      // scheme characters + . -
        assertEquals("1http://a.com", norm("1http://a.com")); // a scheme starts with a letter
        assertEquals("http://a.com", norm("ftp://http://a.com")); // only one scheme
        assertEquals("mailto:x@a.com", norm("mailto:x@a.com")); // no "://", nothing dropped
        assertEquals("wwwa.com", norm("wwwa.com"));
        assertEquals("a.com", norm("\u00a0http://a.com\u2003")); // Python's strip() removes these spaces too
        assertEquals("", norm("http://"));
    }

    @Test
    void noneIsIdentityAndIdsRoundTrip() {
        assertEquals(" http://a/ ", TextTransform.NONE.apply(" http://a/ "));
        for (TextTransform t : TextTransform.values()) {
            assertEquals(t, TextTransform.fromId(t.id()));
        }
        assertEquals("url-normalize", TextTransform.URL_NORMALIZE.id());
        assertEquals("none", TextTransform.NONE.id());
        assertThrows(DatasetException.class, () -> TextTransform.fromId("lowercase"));
    }
}

package dev.distillery.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HostsTest {
    @Test
    void hostsFromAwkwardUrls() {
        assertEquals("example.com", Hosts.hostOf("HTTP://user:pw@WWW.Example.COM:8080/x?y#z"));
        assertEquals("example.com", Hosts.hostOf("www.example.com/path"));
        assertEquals("example.com", Hosts.hostOf("example.com"));
        assertEquals("example.com", Hosts.hostOf("example.com:443"));
        assertEquals("example.com", Hosts.hostOf("//example.com/a"));
        assertEquals("example.com", Hosts.hostOf("https://example.com./"));
        assertEquals("example.com", Hosts.hostOf("http://a@b@example.com/")); // userinfo ends at the last @
        assertEquals("example.com", Hosts.hostOf("http://example.com\\evil"));
        assertEquals("example.com", Hosts.hostOf("example.com?q=http://other.org"));
        assertEquals("[2001:db8::1]", Hosts.hostOf("http://[2001:DB8::1]:8443/a"));
        assertEquals("[::1]", Hosts.hostOf("[::1]/x"));
        assertEquals("10.0.0.1", Hosts.hostOf("10.0.0.1:80/login"));
        assertEquals("www2.example.com", Hosts.hostOf("www2.example.com"));
        assertEquals("example.com", Hosts.hostOf("  https://www.EXAMPLE.com  "));
        assertEquals("sub.www.example.com", Hosts.hostOf("www.sub.www.example.com")); // one leading www. only
    }

    @Test
    void textWithoutHostIsItsOwnGroup() {
        assertEquals("/relative/path", Hosts.hostOf("/Relative/Path"));
        assertEquals("", Hosts.hostOf("   "));
    }
}

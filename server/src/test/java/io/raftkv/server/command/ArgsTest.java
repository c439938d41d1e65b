package io.raftkv.server.command;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Args#parseLong} against a naive statement of Redis's string2ll rules, on chosen and random texts. */
class ArgsTest {

    /** string2ll, said plainly: "0", or an optional '-' then a non-zero digit and digits, within int64. */
    private static Long reference(String s) {
        if (!s.matches("0|-?[1-9][0-9]*")) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void check(String s) {
        Long expected = reference(s);
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        if (expected == null) {
            Args.ArgumentError e = assertThrows(Args.ArgumentError.class, () -> Args.parseLong(b), s);
            assertSame(Args.NOT_INTEGER, e, s);
        } else {
            assertEquals(expected.longValue(), Args.parseLong(b), s);
        }
    }

    @Test
    void chosenTexts() {
        for (String s : new String[] {"0", "1", "-1", "9223372036854775807", "-9223372036854775808",
                "9223372036854775808", "-9223372036854775809", "99999999999999999999", "-0", "00", "01", "+1", " 1",
                "1 ", "", "-", "1-", "1.0", "1e3", "0x1", "\u00001", "12345678901234567890123"}) {
            check(s);
        }
    }

    @Test
    void randomTextsAgreeWithTheReference() {
        long seed = 20240701L;
        Random rnd = new Random(seed);
        String alphabet = "0123456789-+ .x";
        for (int i = 0; i < 200_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(22);
            for (int j = 0; j < len; j++) {
                sb.append(rnd.nextInt(4) == 0 ? alphabet.charAt(rnd.nextInt(alphabet.length())) : (char) ('0' + rnd.nextInt(10)));
            }
            String s = sb.toString();
            try {
                check(s);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", case " + i + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    void optionNamesMatchIgnoringAsciiCase() {
        assertTrue(Args.is("KeepTTL".getBytes(StandardCharsets.US_ASCII), "keepttl"));
        assertTrue(Args.is("ex".getBytes(StandardCharsets.US_ASCII), "ex"));
        assertFalse(Args.is("exat".getBytes(StandardCharsets.US_ASCII), "ex"));
        assertFalse(Args.is("e\u00d8".getBytes(StandardCharsets.ISO_8859_1), "ex"));
    }
}

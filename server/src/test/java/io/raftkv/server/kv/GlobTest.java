package io.raftkv.server.kv;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Glob against a table whose expected column was produced by real Redis 7.0.15 (SET the string, then KEYS the
 * pattern), including its quirks: signed byte ranges, unterminated sets, trailing backslash, the empty key.
 */
class GlobTest {

    private static final Object[][] CASES = {
                {"*", "abc", true},
                {"*", "a", true},
                {"a*", "a", true},
                {"a*", "abc", true},
                {"*c", "abc", true},
                {"*b*", "abc", true},
                {"?", "a", true},
                {"?", "ab", false},
                {"??", "ab", true},
                {"a?c", "abc", true},
                {"a?c", "ac", false},
                {"[abc]", "b", true},
                {"[abc]", "d", false},
                {"[^abc]", "d", true},
                {"[^abc]", "a", false},
                {"[a-c]", "b", true},
                {"[c-a]", "b", true},
                {"[c-a]", "d", false},
                {"[a-]", "b", false},
                {"[a-]", "]", true},
                {"[a-]", "^", true},
                {"[a-]", "-", false},
                {"[]", "]", false},
                {"[]]", "]", false},
                {"[abc", "b", true},
                {"[abc", "d", false},
                {"[", "a", false},
                {"[^", "a", true},
                {"[^", "ab", false},
                {"a[", "a", false},
                {"\\*", "*", true},
                {"\\*", "a", false},
                {"a\\", "a\\", true},
                {"a\\", "a", false},
                {"\\?", "?", true},
                {"\\?", "a", false},
                {"[\\]]", "]", true},
                {"[\\-]", "-", true},
                {"[\\-]", "a", false},
                {"[a\\-z]", "-", true},
                {"[a\\-z]", "b", false},
                {"**", "abc", true},
                {"a**b", "ab", true},
                {"a*b*c", "abc", true},
                {"a*b*c", "axbxc", true},
                {"a*b*c", "axbx", false},
                {"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
                {"*a*a*a*a*a*b", "aaaaaaaaaaaaaaab", true},
                {"h?llo", "hello", true},
                {"h*llo", "hllo", true},
                {"h[ae]llo", "hallo", true},
                {"h[ae]llo", "hillo", false},
                {"h[^e]llo", "hallo", true},
                {"h[^e]llo", "hello", false},
                {"h[a-b]llo", "hbllo", true},
                {"[\\xe9]", "\\xe9", false},
                {"[a-\\xff]", "b", false},
                {"[a-\\xff]", "\\xe9", false},
                {"[a-\\xff]", "~", false},
                {"[\\x00-\\x7f]", "\\xe9", false},
                {"?", "\\xe9", false},
                {"a*", "a\\x00b", true},
                {"a\\x00*", "a\\x00b", false},
                {"*?", "a", true},
                {"*?", "ab", true},
                {"?*", "a", true},
                {"[-a]", "-", true},
                {"[a-c-e]", "d", false},
                {"[a-c-e]", "-", true},
                {"[^]", "]", true},
                {"[^]]", "a", false},
                {"[^]]", "]", false},
                {"a[]", "a", false},
                {"[*]", "*", true},
                {"[*]", "a", false},
                {"[?]", "a", false},
                {"abc", "abc", true},
                {"abc", "abd", false},
                {"abc", "ab", false},
                {"ab", "abc", false},
                {"*x", "abx", true},
                {"*\\[", "a[", true},
                {"[\u00e9]", "\u00e9", true},
                {"[a-\u00ff]", "b", false},
                {"[a-\u00ff]", "\u00e9", false},
                {"[a-\u00ff]", "~", false},
                {"[\u0000-\u007f]", "\u00e9", false},
                {"[\u0000-\u007f]", "a", true},
                {"[\u0080-\u007f]", "\u0090", true},
                {"[\u0080-\u007f]", "a", true},
                {"?", "\u00e9", true},
                {"a*", "a\u0000b", true},
                {"a\u0000*", "a\u0000b", true},
                {"a\u0000?", "a\u0000b", true},
                {"[\u00e0-\u00ef]", "\u00e9", true},
                {"[\u00ef-\u00e0]", "\u00e9", true},
                {"[\u00e0-\u00ef]", "a", false},
                // The empty key matches only the empty pattern (KEYS * finds it through KEYS's own shortcut).
                {"", "", true},
                {"*", "", false},
                {"**", "", false},
                {"?", "", false},
                {"a", "", false},
    };

    @Test
    void matchesLikeRedis() {
        for (Object[] c : CASES) {
            byte[] pattern = ((String) c[0]).getBytes(StandardCharsets.ISO_8859_1);
            byte[] string = ((String) c[1]).getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(c[2], Glob.matches(pattern, string), () -> "pattern '" + c[0] + "' string '" + c[1] + "'");
        }
    }

    @Test
    void manyStarsStayLinear() {
        byte[] pattern = "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b".getBytes(StandardCharsets.ISO_8859_1);
        byte[] string = "a".repeat(20_000).getBytes(StandardCharsets.ISO_8859_1);
        // A naive backtracking matcher takes exponential time here; this one answers at once.
        assertEquals(false, Glob.matches(pattern, string));
        string[string.length - 1] = 'b';
        assertEquals(true, Glob.matches(pattern, string));
    }

    /** The iterative matcher against a plain recursive transcription of the same rules, on random inputs. */
    @Test
    void agreesWithRecursiveReference() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        byte[] alphabet = "ab*?[]^-\\".getBytes(StandardCharsets.ISO_8859_1);
        byte[] strAlphabet = "ab-]^\\*".getBytes(StandardCharsets.ISO_8859_1);
        for (int n = 0; n < 20_000; n++) {
            byte[] p = new byte[rnd.nextInt(7)];
            for (int i = 0; i < p.length; i++) {
                p[i] = alphabet[rnd.nextInt(alphabet.length)];
            }
            byte[] s = new byte[rnd.nextInt(6)];
            for (int i = 0; i < s.length; i++) {
                s[i] = strAlphabet[rnd.nextInt(strAlphabet.length)];
            }
            boolean expected = s.length == 0 ? p.length == 0 : reference(p, 0, s, 0);
            assertEquals(expected, Glob.matches(p, s), () -> "seed " + seed + ": pattern '"
                    + new String(p, StandardCharsets.ISO_8859_1) + "' string '" + new String(s, StandardCharsets.ISO_8859_1) + "'");
        }
    }

    /** Redis 7.0's stringmatchlen, recursive, as a reference (pattern bytes past the end read as NUL). */
    private static boolean reference(byte[] p, int pi, byte[] s, int si) {
        while (pi < p.length && si < s.length) {
            switch (p[pi]) {
                case '*':
                    while (pi + 1 < p.length && p[pi + 1] == '*') {
                        pi++;
                    }
                    if (pi == p.length - 1) {
                        return true;
                    }
                    for (int k = si; k < s.length; k++) {
                        if (reference(p, pi + 1, s, k)) {
                            return true;
                        }
                    }
                    return false;
                case '?':
                    si++;
                    break;
                case '[': {
                    pi++;
                    boolean not = at(p, pi) == '^';
                    if (not) {
                        pi++;
                    }
                    boolean match = false;
                    while (true) {
                        if (at(p, pi) == '\\' && p.length - pi >= 2) {
                            pi++;
                            match |= p[pi] == s[si];
                        } else if (at(p, pi) == ']') {
                            break;
                        } else if (p.length - pi == 0) {
                            pi--;
                            break;
                        } else if (p.length - pi >= 3 && p[pi + 1] == '-') {
                            int lo = Math.min(p[pi], p[pi + 2]);
                            int hi = Math.max(p[pi], p[pi + 2]);
                            pi += 2;
                            match |= s[si] >= lo && s[si] <= hi;
                        } else {
                            match |= p[pi] == s[si];
                        }
                        pi++;
                    }
                    if (not == match) {
                        return false;
                    }
                    si++;
                    break;
                }
                case '\\':
                    if (p.length - pi >= 2) {
                        pi++;
                    }
                    // fall through
                default:
                    if (p[pi] != s[si]) {
                        return false;
                    }
                    si++;
                    break;
            }
            pi++;
            if (si == s.length) {
                while (at(p, pi) == '*') {
                    pi++;
                }
                break;
            }
        }
        return pi >= p.length && si == s.length;
    }

    private static int at(byte[] p, int i) {
        return i < p.length ? p[i] : 0;
    }
}

package io.raftkv.server.kv;

/**
 * Redis's glob matching (KEYS, SCAN MATCH), byte for byte as {@code stringmatchlen} in Redis 7.0 answers, without
 * its recursion: {@code *} any run of bytes, {@code ?} one byte, {@code [abc]} a set, {@code [^abc]} its complement,
 * {@code [a-z]} a range (reversed ranges such as {@code [z-a]} are swapped), {@code \x} the literal {@code x}.
 *
 * <p>Quirks kept on purpose, because a client sees them on real Redis:
 * <ul>
 *   <li>an empty string matches only the empty pattern (Redis's loop never starts), so {@code "*"} does not match
 *       the empty key here; KEYS and SCAN treat the lone pattern {@code "*"} as "everything" before calling this;</li>
 *   <li>range bounds compare as signed bytes (C {@code char} on x86), so bytes 0x80..0xff sort before ASCII;</li>
 *   <li>an unterminated set ({@code "[abc"}) is a set up to the end of the pattern; {@code "["} matches nothing and
 *       {@code "[^"} any one byte; inside a set {@code "a-]"} is a range from 'a' to ']' when three bytes remain;</li>
 *   <li>a trailing lone backslash matches a backslash.</li>
 * </ul>
 *
 * <p>Cost: O(pattern * string) in the worst case, never exponential. Every token but {@code *} consumes exactly
 * one byte, so on a mismatch it is enough to retry from the most recent star one byte further on; earlier stars
 * never need revisiting. Stateless and thread-safe.
 */
public final class Glob {

    private Glob() {
    }

    /** Whether {@code string} matches {@code pattern}. Neither array is changed or kept. */
    public static boolean matches(byte[] pattern, byte[] string) {
        int plen = pattern.length;
        int slen = string.length;
        if (slen == 0) {
            return plen == 0;
        }
        int pi = 0;
        int si = 0;
        int starP = -1;
        int starS = -1;
        while (si < slen) {
            if (pi < plen && pattern[pi] == '*') {
                while (pi < plen && pattern[pi] == '*') {
                    pi++;
                }
                if (pi == plen) {
                    return true;
                }
                starP = pi;
                starS = si;
                continue;
            }
            int next = pi < plen ? matchOne(pattern, pi, string[si]) : -1;
            if (next >= 0) {
                pi = next;
                si++;
                continue;
            }
            if (starP < 0) {
                return false;
            }
            si = ++starS;
            pi = starP;
        }
        while (pi < plen && pattern[pi] == '*') {
            pi++;
        }
        return pi == plen;
    }

    /**
     * Matches the one-byte token at {@code pattern[pi]} (not a star) against {@code c}: the index of the next token,
     * or -1 if it does not match.
     */
    private static int matchOne(byte[] p, int pi, byte c) {
        int plen = p.length;
        switch (p[pi]) {
            case '?':
                return pi + 1;
            case '\\':
                if (plen - pi >= 2) {
                    pi++;
                }
                return p[pi] == c ? pi + 1 : -1;
            case '[': {
                int q = pi + 1;
                boolean not = at(p, q) == '^';
                if (not) {
                    q++;
                }
                boolean match = false;
                while (true) {
                    int rem = plen - q;
                    if (at(p, q) == '\\' && rem >= 2) {
                        q++;
                        if (p[q] == c) {
                            match = true;
                        }
                    } else if (at(p, q) == ']') {
                        break;
                    } else if (rem == 0) {
                        // Unterminated set: it ends with the pattern (Redis steps back so its loop step lands at the end).
                        q--;
                        break;
                    } else if (rem >= 3 && p[q + 1] == '-') {
                        int start = p[q];
                        int end = p[q + 2];
                        if (start > end) {
                            int t = start;
                            start = end;
                            end = t;
                        }
                        q += 2;
                        if (c >= start && c <= end) {
                            match = true;
                        }
                    } else if (p[q] == c) {
                        match = true;
                    }
                    q++;
                }
                if (not) {
                    match = !match;
                }
                return match ? q + 1 : -1;
            }
            default:
                return p[pi] == c ? pi + 1 : -1;
        }
    }

    /** The pattern byte at {@code i}, or 0 past its end (where Redis reads the string's terminating NUL). */
    private static int at(byte[] p, int i) {
        return i < p.length ? p[i] : 0;
    }
}

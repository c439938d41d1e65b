package io.raftkv.server.config;

import java.util.Arrays;
import java.util.List;

/**
 * Splits a line into arguments as Redis's {@code sdssplitargs} does, which is how Redis reads both redis.conf lines
 * and inline commands (a request line sent without RESP framing): blanks separate arguments; "double quotes" take
 * \n \r \t \b \a \xHH and \(any char) escapes; 'single quotes' take only \'; a closing quote must be followed by a
 * blank or the line's end. It lives here, below the RESP decoder, because both the config file and the decoder use
 * it and the decoder already reads the configuration.
 */
public final class QuotedArgs {

    private QuotedArgs() {
    }

    /**
     * Appends the arguments of line {@code b} to {@code args}, unescaped; false on unbalanced quotes or a quote
     * glued to the next token. {@code b} must hold no NUL byte (0 marks the line's end here, as in C): the decoder's
     * inline lines cannot hold one and {@link ConfigFile#splitArgs} refuses them. {@code b} is overwritten (the
     * arguments are unescaped in place, then copied out). Any thread: it touches only its arguments.
     */
    public static boolean split(byte[] b, List<byte[]> args) {
        int n = b.length;
        int p = 0;
        while (true) {
            while (p < n && isSpace(b[p])) {
                p++;
            }
            if (p == n) {
                return true;
            }
            int tokenStart = p;
            int w = p;
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            while (!done) {
                int c = at(b, p);
                if (inDouble) {
                    if (c == '\\' && at(b, p + 1) == 'x' && isHex(at(b, p + 2)) && isHex(at(b, p + 3))) {
                        b[w++] = (byte) (hexValue(at(b, p + 2)) * 16 + hexValue(at(b, p + 3)));
                        p += 3;
                    } else if (c == '\\' && at(b, p + 1) != 0) {
                        p++;
                        b[w++] = (byte) switch (at(b, p)) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> b[p];
                        };
                    } else if (c == '"') {
                        if (!endsToken(b, p + 1)) {
                            return false;
                        }
                        done = true;
                    } else if (c == 0) {
                        return false;
                    } else {
                        b[w++] = (byte) c;
                    }
                } else if (inSingle) {
                    if (c == '\\' && at(b, p + 1) == '\'') {
                        p++;
                        b[w++] = '\'';
                    } else if (c == '\'') {
                        if (!endsToken(b, p + 1)) {
                            return false;
                        }
                        done = true;
                    } else if (c == 0) {
                        return false;
                    } else {
                        b[w++] = (byte) c;
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inDouble = true;
                        case '\'' -> inSingle = true;
                        default -> b[w++] = (byte) c;
                    }
                }
                if (at(b, p) != 0) {
                    p++;
                }
            }
            args.add(Arrays.copyOfRange(b, tokenStart, w));
        }
    }

    /** A closing quote must be followed by a space or the end of the line (sdssplitargs's rule). */
    private static boolean endsToken(byte[] b, int p) {
        return at(b, p) == 0 || isSpace(at(b, p));
    }

    private static int at(byte[] b, int i) {
        return i < b.length ? b[i] & 0xFF : 0;
    }

    /** C's isspace in the C locale. */
    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == '\f';
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static int hexValue(int c) {
        return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    }
}

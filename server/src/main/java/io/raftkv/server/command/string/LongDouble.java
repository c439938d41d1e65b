package io.raftkv.server.command.string;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * A number with the value set of the x87 80-bit "long double" that Redis's INCRBYFLOAT computes in on x86-64:
 * a 64-bit significand, exponents down to subnormal 2^-16445, overflow at 2^16384, every rounding to nearest with
 * ties to even. Redis parses with {@code strtold}, adds in long double and prints with {@code "%.17Lf"}; doing the
 * same arithmetic exactly here (BigInteger, no Java double anywhere) gives the same text as Redis, bit for bit, and
 * the same on every node, which a replicated write needs.
 *
 * <p>Immutable. Only INCRBYFLOAT uses it, so it is plain rather than fast.
 */
final class LongDouble {

    /** Significand bits, the explicit integer bit included. */
    private static final int PRECISION = 64;
    /** The exponent of the least subnormal, 2^-16445: no value has a finer step. */
    private static final int MIN_EXPONENT = -16445;
    /** A value at or above 2^16384 is infinite. */
    private static final int OVERFLOW_BITS = 16384;
    /** Redis refuses float text of this length or more (MAX_LONG_DOUBLE_CHARS). */
    private static final int MAX_CHARS = 5 * 1024;
    /** Decimal exponents past these bounds are surely out of range, whatever the digits; they bound the BigIntegers. */
    private static final long DECIMAL_OVERFLOW = 4940;
    private static final long DECIMAL_UNDERFLOW = -4960;
    private static final BigInteger FIVE = BigInteger.valueOf(5);

    static final LongDouble ZERO = new LongDouble(BigInteger.ZERO, 0);
    /** Both infinities: Redis accepts "inf" as an increment, and any infinite operand ends in the same error. */
    static final LongDouble INFINITE = new LongDouble(null, 0);

    /** Signed; |significand| < 2^64; null for {@link #INFINITE}. The value is significand * 2^exponent. */
    private final BigInteger significand;
    private final int exponent;

    private LongDouble(BigInteger significand, int exponent) {
        this.significand = significand;
        this.exponent = exponent;
    }

    boolean isFinite() {
        return this != INFINITE;
    }

    /**
     * Parses text as Redis's {@code string2ld} does: {@code strtold} in the C locale (decimal, hexadecimal
     * {@code 0x1.8p3}, "inf"/"infinity" in any case, optional sign), the whole text consumed, no leading space;
     * refused are NaN, a finite text too large for a long double and a non-zero text that rounds to zero.
     *
     * @return the value, {@link #INFINITE}, or null if Redis would answer "value is not a valid float"
     */
    static LongDouble parse(byte[] s) {
        int len = s.length;
        if (len == 0 || len >= MAX_CHARS || isSpace(s[0])) {
            return null;
        }
        int i = 0;
        boolean negative = false;
        if (s[0] == '+' || s[0] == '-') {
            negative = s[0] == '-';
            i++;
        }
        if (restIs(s, i, "inf") || restIs(s, i, "infinity")) {
            return INFINITE;
        }
        if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
            return parseHex(s, i + 2, negative);
        }
        return parseDecimal(s, i, negative);
    }

    private static LongDouble parseDecimal(byte[] s, int i, boolean negative) {
        int len = s.length;
        StringBuilder digits = new StringBuilder();
        int fractionDigits = 0;
        boolean point = false;
        int mantissaDigits = 0;
        for (; i < len; i++) {
            byte b = s[i];
            if (b >= '0' && b <= '9') {
                mantissaDigits++;
                if (digits.length() > 0 || b != '0') {
                    digits.append((char) b);
                }
                if (point) {
                    fractionDigits++;
                }
            } else if (b == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        if (mantissaDigits == 0) {
            return null;
        }
        long exp10 = 0;
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
            long[] exp = new long[1];
            i = parseExponent(s, i + 1, exp);
            if (i < 0) {
                return null;
            }
            exp10 = exp[0];
        }
        if (i != len) {
            return null;
        }
        if (digits.length() == 0) {
            return ZERO;
        }
        exp10 -= fractionDigits;
        long magnitude = exp10 + digits.length();
        if (magnitude > DECIMAL_OVERFLOW || magnitude < DECIMAL_UNDERFLOW) {
            return null;
        }
        BigInteger m = new BigInteger(digits.toString());
        LongDouble v = exp10 >= 0
                ? round(negative, m.multiply(BigInteger.TEN.pow((int) exp10)), BigInteger.ONE)
                : round(negative, m, BigInteger.TEN.pow((int) -exp10));
        return v == null || v.significand.signum() == 0 ? null : v;
    }

    private static LongDouble parseHex(byte[] s, int i, boolean negative) {
        int len = s.length;
        BigInteger m = BigInteger.ZERO;
        int fractionDigits = 0;
        int mantissaDigits = 0;
        boolean point = false;
        for (; i < len; i++) {
            int d = Character.digit(s[i], 16);
            if (d >= 0) {
                mantissaDigits++;
                m = m.shiftLeft(4).or(BigInteger.valueOf(d));
                if (point) {
                    fractionDigits++;
                }
            } else if (s[i] == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        if (mantissaDigits == 0) {
            return null;
        }
        long exp2 = 0;
        if (i < len && (s[i] == 'p' || s[i] == 'P')) {
            long[] exp = new long[1];
            i = parseExponent(s, i + 1, exp);
            if (i < 0) {
                return null;
            }
            exp2 = exp[0];
        }
        if (i != len) {
            return null;
        }
        if (m.signum() == 0) {
            return ZERO;
        }
        exp2 -= 4L * fractionDigits;
        long magnitude = exp2 + m.bitLength();
        if (magnitude > OVERFLOW_BITS + 1 || magnitude < MIN_EXPONENT - 2) {
            return null;
        }
        LongDouble v = exp2 >= 0
                ? round(negative, m.shiftLeft((int) exp2), BigInteger.ONE)
                : round(negative, m, BigInteger.ONE.shiftLeft((int) -exp2));
        return v == null || v.significand.signum() == 0 ? null : v;
    }

    /**
     * Reads {@code [+-]digits} from {@code i} into {@code out[0]}, saturating far beyond any long double's range.
     * Returns the index after it, or -1 if there are no digits (strtold then stops before the 'e', which
     * leaves text unconsumed: not a valid float).
     */
    private static int parseExponent(byte[] s, int i, long[] out) {
        boolean negative = false;
        if (i < s.length && (s[i] == '+' || s[i] == '-')) {
            negative = s[i] == '-';
            i++;
        }
        int start = i;
        long v = 0;
        for (; i < s.length && s[i] >= '0' && s[i] <= '9'; i++) {
            v = Math.min(v * 10 + (s[i] - '0'), 1_000_000_000L);
        }
        if (i == start) {
            return -1;
        }
        out[0] = negative ? -v : v;
        return i;
    }

    /**
     * The sum rounded to a long double, or null if it is NaN or infinite (Redis: "increment would produce NaN or
     * Infinity").
     */
    LongDouble add(LongDouble other) {
        if (!isFinite() || !other.isFinite()) {
            return null;
        }
        int e = Math.min(exponent, other.exponent);
        BigInteger sum = significand.shiftLeft(exponent - e).add(other.significand.shiftLeft(other.exponent - e));
        if (sum.signum() == 0) {
            return ZERO;
        }
        boolean negative = sum.signum() < 0;
        BigInteger abs = sum.abs();
        return e >= 0
                ? round(negative, abs.shiftLeft(e), BigInteger.ONE)
                : round(negative, abs, BigInteger.ONE.shiftLeft(-e));
    }

    /**
     * Rounds num/den (both positive) to the nearest long double, ties to even. Returns null on overflow; a value
     * below half the least subnormal comes back as zero.
     */
    private static LongDouble round(boolean negative, BigInteger num, BigInteger den) {
        int k = num.bitLength() - den.bitLength();
        boolean atLeast = k >= 0 ? num.compareTo(den.shiftLeft(k)) >= 0 : num.shiftLeft(-k).compareTo(den) >= 0;
        int floorLog2 = atLeast ? k : k - 1;
        int exp = Math.max(floorLog2 - (PRECISION - 1), MIN_EXPONENT);
        BigInteger n = num;
        BigInteger d = den;
        if (exp >= 0) {
            d = d.shiftLeft(exp);
        } else {
            n = n.shiftLeft(-exp);
        }
        BigInteger[] qr = n.divideAndRemainder(d);
        BigInteger q = qr[0];
        int half = qr[1].shiftLeft(1).compareTo(d);
        if (half > 0 || (half == 0 && q.testBit(0))) {
            q = q.add(BigInteger.ONE);
        }
        if (q.bitLength() > PRECISION) {
            q = q.shiftRight(1);
            exp++;
        }
        if (q.signum() != 0 && q.bitLength() + exp > OVERFLOW_BITS) {
            return null;
        }
        return new LongDouble(negative ? q.negate() : q, exp);
    }

    /**
     * Redis's "human" long double text: {@code printf("%.17Lf")} (the exact value rounded to 17 decimals, ties to
     * even as glibc does), then trailing zeros and a trailing '.' removed, and "-0" written "0".
     */
    String toHumanString() {
        if (!isFinite()) {
            throw new IllegalStateException("an infinite value is never stored");
        }
        BigDecimal exact = exponent >= 0
                ? new BigDecimal(significand.shiftLeft(exponent))
                : new BigDecimal(significand.multiply(FIVE.pow(-exponent)), -exponent);
        String s = exact.setScale(17, RoundingMode.HALF_EVEN).toPlainString();
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        if (s.charAt(end - 1) == '.') {
            end--;
        }
        s = s.substring(0, end);
        return s.equals("-0") ? "0" : s;
    }

    private static boolean restIs(byte[] s, int from, String lower) {
        if (s.length - from != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            int b = s[from + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** C's isspace in the C locale. */
    private static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    @Override
    public String toString() {
        return isFinite() ? toHumanString() : "inf";
    }
}

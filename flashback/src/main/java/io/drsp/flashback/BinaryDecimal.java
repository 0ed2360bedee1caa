package io.drsp.flashback;

import java.math.BigDecimal;
import java.math.BigInteger;

/** MySQL's packed binary DECIMAL ({@code bin2decimal} in its source): groups of 9 digits, sign in the top bit. */
final class BinaryDecimal {
    private static final int[] DIG2BYTES = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

    private BinaryDecimal() {
    }

    static int size(int precision, int scale) {
        int intg = precision - scale;
        return (intg / 9) * 4 + DIG2BYTES[intg % 9] + (scale / 9) * 4 + DIG2BYTES[scale % 9];
    }

    static BigDecimal decode(ByteCursor in, int precision, int scale) {
        if (precision < 1 || precision > 65 || scale < 0 || scale > 30 || scale > precision) {
            throw new UndecodableException("DECIMAL(" + precision + "," + scale + ") is out of range");
        }
        byte[] raw = in.bytes(size(precision, scale));
        boolean positive = (raw[0] & 0x80) != 0;
        raw[0] ^= (byte) 0x80;
        if (!positive) {
            for (int i = 0; i < raw.length; i++) {
                raw[i] = (byte) ~raw[i];
            }
        }
        ByteCursor c = new ByteCursor(raw);
        int intg = precision - scale;
        StringBuilder digits = new StringBuilder(precision + 2);
        int intg0x = intg % 9;
        if (intg0x > 0) {
            digits.append(c.be(DIG2BYTES[intg0x]));
        }
        for (int i = 0; i < intg / 9; i++) {
            appendGroup(digits, c.be(4), 9);
        }
        StringBuilder frac = new StringBuilder(scale);
        for (int i = 0; i < scale / 9; i++) {
            appendGroup(frac, c.be(4), 9);
        }
        int frac0x = scale % 9;
        if (frac0x > 0) {
            appendGroup(frac, c.be(DIG2BYTES[frac0x]), frac0x);
        }
        BigInteger unscaled = new BigInteger((digits.length() == 0 ? "0" : digits.toString()) + frac);
        BigDecimal value = new BigDecimal(positive ? unscaled : unscaled.negate(), scale);
        return value;
    }

    private static void appendGroup(StringBuilder out, long group, int width) {
        String s = Long.toString(group);
        if (s.length() > width) {
            throw new UndecodableException("DECIMAL digit group " + group + " wider than " + width + " digits");
        }
        out.append("0".repeat(width - s.length())).append(s);
    }
}

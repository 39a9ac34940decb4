package dev.domus.dom0.config;

import java.util.Locale;

/** Memory sizes as operators write them: {@code 512} (MiB), {@code 512M}, {@code 2G}, {@code 65536K}. */
public final class Sizes {

    private Sizes() {
    }

    /** Parses a size into MiB; a bare number is MiB. Throws with a readable message. */
    public static long parseMib(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        long mul;
        long div = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'K' -> { mul = 1; div = 1024; }
            case 'M' -> mul = 1;
            case 'G' -> mul = 1024;
            case 'T' -> mul = 1024 * 1024;
            default -> mul = 0;
        }
        String digits = mul == 0 && div == 1 ? t : t.substring(0, t.length() - 1);
        if (mul == 0) {
            mul = 1;
        }
        try {
            long n = Long.parseLong(digits);
            if (n < 0) {
                throw new NumberFormatException();
            }
            long v = Math.multiplyExact(n, mul);
            if (v % div != 0) {
                throw new IllegalArgumentException("size '" + s + "' is not a whole number of MiB");
            }
            return v / div;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("size '" + s + "' is not a size: write e.g. 512, 512M or 2G");
        }
    }
}

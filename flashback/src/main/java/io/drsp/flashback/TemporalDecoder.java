package io.drsp.flashback;

/**
 * DATE, TIME2, DATETIME2 and TIMESTAMP2 as stored in row images, printed exactly as MySQL prints them (zero
 * dates, negative and >24 h times, 0-6 fractional digits). Follows {@code my_time.cc} of MySQL 8.
 */
final class TemporalDecoder {

    private TemporalDecoder() {
    }

    static String date(ByteCursor in) {
        long v = in.le(3);
        return ymd((int) (v >> 9), (int) (v >> 5 & 15), (int) (v & 31));
    }

    static String time2(ByteCursor in, int fsp) {
        long packed = timePacked(in, fsp);
        boolean negative = packed < 0;
        long tmp = Math.abs(packed);
        long hms = tmp >> 24;
        long micros = tmp % (1L << 24);
        long hour = (hms >> 12) % (1 << 10);
        long minute = (hms >> 6) % (1 << 6);
        long second = hms % (1 << 6);
        StringBuilder s = new StringBuilder();
        if (negative) {
            s.append('-');
        }
        s.append(hour < 10 ? "0" : "").append(hour).append(':').append(two(minute)).append(':').append(two(second));
        return s.append(fraction(micros, fsp)).toString();
    }

    /** {@code my_time_packed_from_binary}. */
    static long timePacked(ByteCursor in, int fsp) {
        final long intOfs = 0x800000L;
        switch (fsp) {
            case 0 -> {
                return (in.be(3) - intOfs) << 24;
            }
            case 1, 2 -> {
                long intpart = in.be(3) - intOfs;
                long frac = in.u8();
                if (intpart < 0 && frac != 0) {
                    intpart++;
                    frac -= 0x100;
                }
                return (intpart << 24) + frac * 10000;
            }
            case 3, 4 -> {
                long intpart = in.be(3) - intOfs;
                long frac = in.be(2);
                if (intpart < 0 && frac != 0) {
                    intpart++;
                    frac -= 0x10000;
                }
                return (intpart << 24) + frac * 100;
            }
            case 5, 6 -> {
                return in.be(6) - 0x800000000000L;
            }
            default -> throw new UndecodableException("TIME fractional precision " + fsp);
        }
    }

    static String datetime2(ByteCursor in, int fsp) {
        long intpart = in.be(5) - 0x8000000000L;
        long frac = fracMicros(in, fsp);
        if (intpart < 0) {
            throw new UndecodableException("negative DATETIME");
        }
        long ymdhms = intpart;
        long ymd = ymdhms >> 17;
        long ym = ymd >> 5;
        long hms = ymdhms % (1 << 17);
        int day = (int) (ymd % (1 << 5));
        int month = (int) (ym % 13);
        int year = (int) (ym / 13);
        long second = hms % (1 << 6);
        long minute = (hms >> 6) % (1 << 6);
        long hour = hms >> 12;
        return ymd(year, month, day) + " " + two(hour) + ":" + two(minute) + ":" + two(second) + fraction(frac, fsp);
    }

    /** TIMESTAMP2: seconds since the epoch, printed in UTC (the applier runs with {@code time_zone='+00:00'}). */
    static String timestamp2(ByteCursor in, int fsp) {
        long seconds = in.be(4);
        long frac = fracMicros(in, fsp);
        if (seconds == 0 && frac == 0) {
            return "0000-00-00 00:00:00" + fraction(0, fsp);
        }
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(seconds, 0, java.time.ZoneOffset.UTC);
        return ymd(t.getYear(), t.getMonthValue(), t.getDayOfMonth()) + " " + two(t.getHour()) + ":" + two(t.getMinute())
                + ":" + two(t.getSecond()) + fraction(frac, fsp);
    }

    private static long fracMicros(ByteCursor in, int fsp) {
        return switch (fsp) {
            case 0 -> 0;
            case 1, 2 -> in.u8() * 10000L;
            case 3, 4 -> in.be(2) * 100L;
            case 5, 6 -> in.be(3);
            default -> throw new UndecodableException("fractional precision " + fsp);
        };
    }

    static String ymd(int year, int month, int day) {
        return String.format("%04d-%02d-%02d", year, month, day);
    }

    private static String two(long v) {
        return v < 10 ? "0" + v : Long.toString(v);
    }

    static String fraction(long micros, int fsp) {
        if (fsp == 0) {
            return "";
        }
        if (micros < 0 || micros > 999_999) {
            throw new UndecodableException("fraction " + micros);
        }
        String six = String.format("%06d", micros);
        return "." + six.substring(0, fsp);
    }
}

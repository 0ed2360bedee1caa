package io.drsp.core.target;

import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;

/** The one spelling of a recovery time the scripts have always used, with optional microseconds. */
final class TypedTime {

    /** STRICT so that 2024-02-30 is refused instead of quietly becoming 2024-02-29. */
    static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.MICRO_OF_SECOND, 1, 6, true)
            .optionalEnd()
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

    private TypedTime() {
    }
}

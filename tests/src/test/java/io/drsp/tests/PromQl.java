package io.drsp.tests;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found without a PromQL parser: string literals, label matchers,
 * grouping and matching clauses, ranges and offsets are cut out, and what is left that names no function, aggregation
 * or keyword is a metric name. Enough for the expressions of {@code deploy/} (promtool checks their syntax).
 */
final class PromQl {
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern CLAUSE = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?[0-9a-z]+");
    private static final Pattern IDENT = Pattern.compile("(?<![0-9A-Za-z_:.$])([A-Za-z_:][A-Za-z0-9_:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "inf", "nan", "group_left",
            "group_right", "by", "without", "on", "ignoring", "offset", "atan2");
    /** The tokens the dashboard test looks for: anything that looks like a drsp metric name. */
    static final Pattern DRSP_TOKEN = Pattern.compile("drsp_[a-z_]+");

    private PromQl() {
    }

    /** Every metric name {@code expr} selects, in order of first appearance. */
    static Set<String> metricNames(String expr) {
        String s = STRING.matcher(expr).replaceAll(" ");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = CLAUSE.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = OFFSET.matcher(s).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            boolean call = m.group(2) != null;
            if (!call && !KEYWORDS.contains(m.group(1).toLowerCase())) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** Every {@code drsp_...} token anywhere in {@code text}. */
    static Set<String> drspTokens(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = DRSP_TOKEN.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}

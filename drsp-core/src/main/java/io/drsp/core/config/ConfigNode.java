package io.drsp.core.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One object of the configuration tree, read leniently: every problem is recorded with its full path
 * and reading goes on, so the operator sees all problems of the file at once.
 */
final class ConfigNode {

    private final ConfigObject object;
    private final List<String> path;
    private final List<String> problems;

    ConfigNode(ConfigObject object, List<String> path, List<String> problems) {
        this.object = object;
        this.path = List.copyOf(path);
        this.problems = problems;
    }

    String path() {
        return ConfigUtil.joinPath(path);
    }

    String path(String key) {
        List<String> child = new ArrayList<>(path);
        child.add(key);
        return ConfigUtil.joinPath(child);
    }

    /** Keys in a stable order, so problems are listed the same way on every run. */
    Set<String> keys() {
        return new TreeSet<>(object.keySet());
    }

    boolean has(String key) {
        return object.containsKey(key);
    }

    /** Present with a value: HOCON's {@code key = null} (how an override removes a setting) counts as absent. */
    boolean isSet(String key) {
        return object.containsKey(key) && object.get(key).valueType() != ConfigValueType.NULL;
    }

    void problem(String key, String what, String expected) {
        problems.add((key == null ? path() : path(key)) + ": " + what + ", expected " + expected);
    }

    /** Reports keys that are not in the schema: a misspelt optional key would otherwise be silently ignored. */
    void allowOnly(String... known) {
        List<String> knownKeys = Arrays.asList(known);
        for (String key : keys()) {
            if (!knownKeys.contains(key)) {
                problem(key, "is not a known setting", "one of " + String.join(", ", knownKeys));
            }
        }
    }

    Optional<ConfigNode> object(String key, boolean required, String expected) {
        return value(key, required, ConfigValueType.OBJECT, expected)
                .map(v -> new ConfigNode((ConfigObject) v, append(key), problems));
    }

    Optional<String> string(String key, boolean required, String expected) {
        Optional<String> text = value(key, required, ConfigValueType.STRING, expected).map(v -> (String) v.unwrapped());
        if (text.isPresent() && text.get().isBlank()) {
            problem(key, "is empty", expected);
            return Optional.empty();
        }
        return text;
    }

    Optional<List<String>> strings(String key, String expected) {
        Optional<ConfigValue> list = value(key, false, ConfigValueType.LIST, "a list of " + expected);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        List<String> result = new ArrayList<>();
        List<?> items = (List<?>) list.get().unwrapped();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof String s && !s.isBlank()) {
                result.add(s);
            } else {
                problem(key, "item " + (i + 1) + " (" + items.get(i) + ") is not a non-empty string", expected);
            }
        }
        return result.size() == items.size() ? Optional.of(result) : Optional.empty();
    }

    /** A port number; HOCON lets {@code "8470"} stand for {@code 8470}, so both are accepted. */
    Optional<Integer> port(String key) {
        String expected = "a TCP port 1-65535";
        Optional<ConfigValue> value = value(key, true, null, expected);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String text = String.valueOf(value.get().unwrapped()).strip();
        if (value.get().valueType() == ConfigValueType.NUMBER || value.get().valueType() == ConfigValueType.STRING) {
            if (text.matches("[0-9]{1,9}")) {
                int port = Integer.parseInt(text);
                if (port >= 1 && port <= 65535) {
                    return Optional.of(port);
                }
                problem(key, port + " is out of range", expected);
                return Optional.empty();
            }
        }
        problem(key, "\"" + text + "\" is not a port", expected);
        return Optional.empty();
    }

    /** A switch: HOCON's true/false (or on/off, yes/no, which Typesafe Config reads as booleans too). */
    boolean bool(String key, boolean fallback) {
        ConfigValue value = object.get(key);
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            return fallback;
        }
        String text = String.valueOf(value.unwrapped()).strip().toLowerCase(Locale.ROOT);
        switch (text) {
            case "true", "on", "yes":
                return true;
            case "false", "off", "no":
                return false;
            default:
                problem(key, "is " + describe(key, value), "on or off");
                return fallback;
        }
    }

    /** Whole seconds from {@code min} to {@code max}, written as a number ({@code 300}) or a string ({@code "300"}). */
    int seconds(String key, int fallback, int min, int max) {
        ConfigValue value = object.get(key);
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            return fallback;
        }
        String text = String.valueOf(value.unwrapped()).strip();
        if ((value.valueType() == ConfigValueType.NUMBER || value.valueType() == ConfigValueType.STRING) && text.matches("[0-9]{1,9}")) {
            int n = Integer.parseInt(text);
            if (n >= min && n <= max) {
                return n;
            }
        }
        problem(key, "is " + describe(key, value), "whole seconds from " + min + " to " + max);
        return fallback;
    }

    /** The value at {@code key} if it is present and of the wanted type ({@code null}: any scalar). */
    private Optional<ConfigValue> value(String key, boolean required, ConfigValueType type, String expected) {
        ConfigValue value = object.get(key);
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            if (required) {
                problem(key, "is missing", expected);
            }
            return Optional.empty();
        }
        boolean scalar = value.valueType() != ConfigValueType.OBJECT && value.valueType() != ConfigValueType.LIST;
        if (type == null ? !scalar : value.valueType() != type) {
            problem(key, "is " + describe(key, value), expected);
            return Optional.empty();
        }
        return Optional.of(value);
    }

    /**
     * Whether the value at {@code key} may be a secret and must never be printed: a key named like a password, secret
     * or token, or anything inside one ({@code password { env = ... }} is where a password typed by mistake lands).
     */
    boolean secret(String key) {
        if (SECRET_NAME.matcher(key).find()) {
            return true;
        }
        return path.stream().anyMatch(p -> SECRET_NAME.matcher(p).find());
    }

    private static final Pattern SECRET_NAME = Pattern.compile("(?i)password|passwd|passphrase|pwd|secret|token|credential");

    /** Whether a line of the file names a setting whose value must not be printed. */
    static boolean namesSecret(String line) {
        return SECRET_NAME.matcher(line).find();
    }

    /** Said instead of a value that is not printed. */
    static final String NOT_SHOWN = "(not shown: values of settings named like password, secret or token are never printed)";

    /** How a value that is not what was expected looks, in words, without showing a value that may be a secret. */
    private String describe(String key, ConfigValue value) {
        if (secret(key) && value.valueType() != ConfigValueType.OBJECT && value.valueType() != ConfigValueType.LIST) {
            return "a " + value.valueType().name().toLowerCase(Locale.ROOT) + " " + NOT_SHOWN;
        }
        return switch (value.valueType()) {
            case OBJECT -> "an object";
            case LIST -> "a list";
            case STRING -> "the string \"" + value.unwrapped() + "\"";
            default -> "the " + value.valueType().name().toLowerCase(Locale.ROOT) + " " + value.unwrapped();
        };
    }

    private List<String> append(String key) {
        List<String> child = new ArrayList<>(path);
        child.add(key);
        return child;
    }
}

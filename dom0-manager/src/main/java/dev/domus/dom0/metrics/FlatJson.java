package dev.domus.dom0.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader for the flat JSON the toolstack prints ({@code list --json}, {@code info --json}):
 * an object, or an array of objects, whose values are strings, integers or booleans. Anything else is
 * refused with the offset where it went wrong, so a change in the toolstack's output shows up
 * as an error rather than as wrong numbers.
 */
public final class FlatJson {

    private final String s;
    private int i;

    private FlatJson(String s) {
        this.s = s;
    }

    /** Parses one object. */
    public static Map<String, Object> object(String text) {
        FlatJson p = new FlatJson(text);
        Map<String, Object> o = p.readObject();
        p.end();
        return o;
    }

    /** Parses an array of objects. */
    public static List<Map<String, Object>> array(String text) {
        FlatJson p = new FlatJson(text);
        List<Map<String, Object>> out = new ArrayList<>();
        p.expect('[');
        if (!p.peek(']')) {
            do {
                out.add(p.readObject());
            } while (p.take(','));
        }
        p.expect(']');
        p.end();
        return out;
    }

    private Map<String, Object> readObject() {
        Map<String, Object> o = new LinkedHashMap<>();
        expect('{');
        if (!peek('}')) {
            do {
                String key = readString();
                expect(':');
                skipSpace();
                Object value = i < s.length() && s.charAt(i) == '"' ? readString()
                        : s.startsWith("true", i) ? literal("true", Boolean.TRUE)
                        : s.startsWith("false", i) ? literal("false", Boolean.FALSE) : readLong();
                if (o.put(key, value) != null) {
                    throw error("duplicate key \"" + key + "\"");
                }
            } while (take(','));
        }
        expect('}');
        return o;
    }

    private String readString() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("unterminated escape");
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw error("short \\u escape");
                    }
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private Object literal(String word, Boolean value) {
        i += word.length();
        return value;
    }

    private long readLong() {
        int start = i;
        if (i < s.length() && s.charAt(i) == '-') {
            i++;
        }
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == start || (i == start + 1 && s.charAt(start) == '-')) {
            throw error("expected a string or an integer");
        }
        return Long.parseLong(s.substring(start, i));
    }

    private void skipSpace() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private boolean peek(char c) {
        skipSpace();
        return i < s.length() && s.charAt(i) == c;
    }

    private boolean take(char c) {
        if (peek(c)) {
            i++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!take(c)) {
            throw error("expected '" + c + "'");
        }
    }

    private void end() {
        skipSpace();
        if (i != s.length()) {
            throw error("trailing data");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("malformed toolstack JSON at offset " + i + ": " + what);
    }
}

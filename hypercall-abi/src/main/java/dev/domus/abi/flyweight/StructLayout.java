package dev.domus.abi.flyweight;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The layout of one ABI struct as the ABI dump prints it: its name (Xen's), its size, and its
 * top-level fields in declaration order, each with offset and size (a nested struct, union or
 * array is one field with its whole size). Every flyweight builds its own from its
 * {@code LENGTH} and {@code *_OFFSET} constants, so the dump cannot drift from the code.
 *
 * @param name   Xen's struct name, without {@code struct}
 * @param size   {@code sizeof} the struct
 * @param fields the top-level fields in declaration order
 */
public record StructLayout(String name, int size, List<Field> fields) {

    /**
     * One top-level field.
     *
     * @param name   Xen's field name
     * @param offset {@code offsetof} the field
     * @param size   {@code sizeof} the field
     */
    public record Field(String name, int offset, int size) {
    }

    public StructLayout {
        fields = List.copyOf(fields);
        int end = 0;
        for (Field f : fields) {
            if (f.offset() < end || f.size() <= 0 || f.offset() + f.size() > size) {
                throw new IllegalArgumentException(name + "." + f.name() + " overlaps or overruns the struct");
            }
            end = f.offset() + f.size();
        }
    }

    /** Starts a layout of a struct named {@code name} of {@code size} bytes. */
    public static Builder builder(String name, int size) {
        return new Builder(name, size);
    }

    /** The field named {@code fieldName}, or null. */
    public Field field(String fieldName) {
        for (Field f : fields) {
            if (f.name().equals(fieldName)) {
                return f;
            }
        }
        return null;
    }

    /** Collects fields in declaration order. */
    public static final class Builder {
        private final String name;
        private final int size;
        private final List<Field> fields = new ArrayList<>();

        private Builder(String name, int size) {
            this.name = name;
            this.size = size;
        }

        public Builder field(String fieldName, int offset, int fieldSize) {
            fields.add(new Field(fieldName, offset, fieldSize));
            return this;
        }

        public StructLayout build() {
            return new StructLayout(name, size, Collections.unmodifiableList(fields));
        }
    }
}

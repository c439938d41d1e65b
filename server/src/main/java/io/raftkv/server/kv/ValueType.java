package io.raftkv.server.kv;

import java.util.Locale;

/**
 * The types a key may hold, with the tag that marks them in the store's entries (low 7 bits of the entry's first
 * byte: tags are part of the stored format and never change meaning) and Redis's name for them.
 */
public enum ValueType {
    STRING(0),
    HASH(1),
    LIST(2),
    SET(3),
    ZSET(4);

    private static final ValueType[] BY_TAG = new ValueType[values().length];

    static {
        for (ValueType t : values()) {
            if (BY_TAG[t.tag] != null) {
                throw new ExceptionInInitializerError("two value types share tag " + t.tag);
            }
            BY_TAG[t.tag] = t;
        }
    }

    private final byte tag;
    private final String redisName = name().toLowerCase(Locale.ROOT);

    ValueType(int tag) {
        this.tag = (byte) tag;
    }

    public byte tag() {
        return tag;
    }

    /** As TYPE answers and SCAN's TYPE option matches. */
    public String redisName() {
        return redisName;
    }

    /**
     * The type of a stored tag.
     *
     * @throws IllegalStateException for a tag no version of the store writes (a corrupt entry)
     */
    public static ValueType ofTag(int tag) {
        if (tag < 0 || tag >= BY_TAG.length) {
            throw new IllegalStateException("unknown value type tag " + tag);
        }
        return BY_TAG[tag];
    }
}

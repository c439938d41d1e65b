package io.raftkv.server.kv;

/**
 * What the key of a hash, list, set or sorted set holds: the collection's type, its id (which names its elements in
 * the element space: see the package documentation), how many elements it has, and its deadline. Changing an element
 * rewrites this small entry (its size, and the key's modification stamp that WATCH compares), never the collection.
 *
 * <p>No command creates one yet: the collection types bring their commands and the element space. The commands that
 * exist already treat a key holding one as Redis treats a key holding a collection: TYPE names it, string commands
 * answer WRONGTYPE, and EXPIRE, PERSIST, TTL, RENAME and EXISTS work on it as on any key.
 */
public record CollectionHeader(ValueType type, long id, long size, long expireAt) implements StoredValue {

    public CollectionHeader {
        if (type == ValueType.STRING) {
            throw new IllegalArgumentException("a string is not a collection");
        }
        if (size < 0) {
            throw new IllegalArgumentException("size " + size);
        }
    }

    @Override
    public CollectionHeader withExpireAt(long deadline) {
        return new CollectionHeader(type, id, size, deadline);
    }
}

package io.raftkv.server.kv;

/**
 * A value as a key holds it: one variant per kind of value, each with an absolute deadline ({@code expireAt},
 * milliseconds since the epoch, 0 for none) and a codec ({@link ValueCodec}) that writes it into the payload of the
 * key's entry. A string is whole in its entry ({@link StringValue}); a hash, list, set or sorted set keeps only its
 * {@link CollectionHeader} there, its elements being entries of their own (see the package documentation).
 *
 * <p>Values are immutable; the arrays they hold belong to them and must not be changed.
 */
public sealed interface StoredValue permits StringValue, CollectionHeader {

    /** The type, as TYPE and WRONGTYPE see it. */
    ValueType type();

    /** The deadline, milliseconds since the epoch; 0 for none. */
    long expireAt();

    /** The same value with another deadline (0 for none). */
    StoredValue withExpireAt(long deadline);

    default boolean expiredAt(long now) {
        long deadline = expireAt();
        return deadline != 0 && deadline <= now;
    }

    default boolean hasExpiry() {
        return expireAt() != 0;
    }
}

/**
 * The key space and what the log carries to it: the store and its values, {@link io.raftkv.server.kv.LogRecord}
 * (the payload of a log entry), {@link io.raftkv.server.kv.Glob} (Redis's pattern matching) and the exceptions a
 * write may end in. It depends on no server package but {@code reply} (the errors a refused entry or record answers): the
 * command layer runs on top of it, and the state machine that joins the two is {@code node.KvStateMachine}.
 *
 * <p>The engine: {@link io.raftkv.server.kv.Keyspace} is what the rest of the server sees, and
 * {@link io.raftkv.server.kv.KeyspaceData} the part of it a write command may use (nothing in it differs by node);
 * {@link io.raftkv.server.kv.ChronicleKeyspace} keeps it off-heap in Chronicle Maps, one per shard of a 62-bit hash
 * space, split as they fill and merged as they empty (no preset cap; a bounded copy per split), with values above
 * 4 KiB in native blocks of their own. {@link io.raftkv.server.kv.KeyspaceView} is a consistent point-in-time view that
 * another thread reads while apply goes on (for snapshots): how it stays consistent is written beside its code.
 *
 * <h2>Values</h2>
 * {@link io.raftkv.server.kv.StoredValue} is a sealed hierarchy, one record per kind of value, each written into its
 * entry's payload by a codec of its own ({@link io.raftkv.server.kv.ValueCodec}); the entry's first byte holds the
 * {@link io.raftkv.server.kv.ValueType} tag. A {@link io.raftkv.server.kv.StringValue} is whole in its entry. A hash,
 * list, set or sorted set is not one value: its key's entry holds a {@link io.raftkv.server.kv.CollectionHeader}
 * (type, id, element count, deadline) and each element is an entry of its own, so that changing one element writes one
 * element entry and the small header, never the whole collection.
 *
 * <h2>How a collection's elements are keyed and found (the design the collection types build on)</h2>
 * <ul>
 *   <li><b>Where.</b> Element entries live in an <em>element space</em> beside the key space: a second set of shards
 *       with the same split, merge, journal, view and out-of-line machinery, so that SCAN, KEYS, DBSIZE, RANDOMKEY
 *       and active expiry, which read the key space only, never meet an element, and no user key can collide with one.
 *       Their bytes count toward {@code dataBytes}, so {@code maxmemory} covers them.</li>
 *   <li><b>Ids.</b> Elements are named by their collection's 64-bit id, not by its key: RENAME moves the header only,
 *       and DEL or expiry removes the header at once and leaves the elements to be reclaimed in bounded slices
 *       between commands (nothing can reach them once the header is gone; a view opened before the reclaim skips
 *       them by the set of dead ids it notes). Ids come from a counter that is part of the key space's state, advanced
 *       only by applied writes and carried in snapshots, so every node gives a collection the same id.</li>
 *   <li><b>Slots.</b> A collection's elements are numbered {@code 0..size-1} (their slots). An element entry is keyed
 *       {@code id (8 bytes) | 0x01 | slot (8)} and holds the element (the member, or the field and its value); a
 *       member or field is found through a dictionary entry keyed {@code id | 0x00 | member} holding its slot (and,
 *       for a hash, its value; for a sorted set, its score). So HGET, SISMEMBER and ZSCORE are one lookup after the
 *       header; HGETALL, SMEMBERS and friends read slots {@code 0..size-1}, O(size) lookups and no scan of shards;
 *       SRANDMEMBER and SPOP draw a slot (with randomness from the log record). Removing an element moves the
 *       last slot into its place, so slots stay dense; HSCAN, SSCAN and ZSCAN walk slots from the highest down, and
 *       since a move only ever carries the highest slot downwards, an element present for a whole scan is returned at
 *       least once, Redis's guarantee.</li>
 *   <li><b>Lists</b> need no dictionary: element {@code i} is at position {@code head + i}, keyed
 *       {@code id | 0x01 | position}, and the list's header adds its head position to its payload, so LPUSH and RPUSH
 *       write one entry and the header, and LINDEX is one lookup. LINSERT and LREM in the middle move the elements
 *       after the change, O(n) as in Redis.</li>
 *   <li><b>Sorted sets</b> add an on-heap index ordered by (score, member) over the slots (ZRANGE, ZRANK): the one
 *       place a collection keeps something on the heap, to be measured per element; it is rebuilt from the element
 *       entries when a node restarts or installs a snapshot.</li>
 *   <li><b>Stamps.</b> Every element write rewrites the header, which gives the key a new modification stamp: WATCH
 *       sees any change to a collection by its key alone.</li>
 * </ul>
 */
package io.raftkv.server.kv;

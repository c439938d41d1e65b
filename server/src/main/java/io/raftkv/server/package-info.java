/**
 * The assembly: {@link io.raftkv.server.RaftKvServer} (the process: wires the parts together and owns their
 * lifetimes), {@link io.raftkv.server.StandardCommands} (the table of every command family) and
 * {@link io.raftkv.server.CommandReference} (README's generated tables). This package depends on all the others
 * and none depends on it.
 *
 * <p>The packages below form layers, each using only those before it, and {@code PackageCycleTest} fails on any
 * cycle: {@code reply}, {@code config} and {@code peer} (no other server package); {@code kv} and {@code cluster}
 * (replies only); {@code command} (what a command is and may use); the families {@code command.*}; {@code node}
 * (commands against the store); {@code driver} (Raft) and {@code resp} (the client protocol); then this one. A
 * type that would make a lower package know a higher one belongs higher, or behind an interface the lower one owns.
 */
package io.raftkv.server;

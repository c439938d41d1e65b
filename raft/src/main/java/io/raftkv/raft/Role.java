package io.raftkv.raft;

/** The role a node plays in its current term (Raft paper §5.1; pre-candidate: dissertation §9.6). */
public enum Role {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}

package io.raftkv.server.kv;

// PLACEHOLDER until the real matcher lands from branch h-keys.
public final class Glob {
    public static boolean matches(byte[] pattern, byte[] s) {
        String p = new String(pattern);
        return new String(s).matches(p.replace("*", ".*").replace("?", "."));
    }
}

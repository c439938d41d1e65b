package io.raftkv.server.kv;

/**
 * Runs a randomized test over seeds 1..count, or only the seed given with {@code -Dkeyspace.seed=N} (to replay one a
 * failure named).
 */
final class Seeds {

    /** One run of a test for one seed. */
    @FunctionalInterface
    interface Run {
        void run(long seed) throws Exception;
    }

    private Seeds() {
    }

    static void each(int count, Run run) throws Exception {
        String replay = System.getProperty("keyspace.seed");
        if (replay != null) {
            run.run(Long.parseLong(replay));
            return;
        }
        for (long seed = 1; seed <= count; seed++) {
            run.run(seed);
        }
    }
}

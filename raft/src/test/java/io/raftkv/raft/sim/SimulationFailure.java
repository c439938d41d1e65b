package io.raftkv.raft.sim;

/** A failed simulated run: what broke, the command that replays it, its options, and the end of its trace. */
final class SimulationFailure extends AssertionError {

    SimulationFailure(SimOptions opt, String replayFlags, long time, Simulation.Stats stats, String trace,
                      Throwable cause) {
        super("simulation seed " + opt.seed() + " failed at virtual time " + time + ": " + cause + "\n"
                + "  replay: mvn -o -q -pl raft test -Dtest=SimulationTest -Dsim.seed=" + opt.seed()
                + " -Dsim.variant=" + opt.variant() + replayFlags
                + " (add -Dsim.traceMessages=true for every delivery in the trace)\n"
                + "  options: " + opt + "\n"
                + "  stats: " + stats + "\n"
                + "  trace (last events):\n" + trace, cause);
    }
}

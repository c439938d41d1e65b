package io.raftkv.server.driver;

/** A failed simulated run of the production driver: what broke, the command that replays it, and its trace. */
final class DriverSimulationFailure extends AssertionError {

    DriverSimulationFailure(DriverSimOptions opt, DriverSimulation.Sabotage sabotage, long timeNanos,
                            DriverSimulation.Stats stats, String trace, Throwable cause) {
        super("driver simulation seed " + opt.seed() + " (" + opt.variant() + ") failed at virtual time "
                + timeNanos / 1_000_000 + " ms: " + cause + "\n"
                + "  replay: mvn -o -q -pl server test -Dtest=DriverSimulationTest -Dsim.seed=" + opt.seed()
                + " -Dsim.variant=" + opt.variant()
                + (sabotage == DriverSimulation.Sabotage.NONE ? "" : " -Dsim.sabotage=" + sabotage) + "\n"
                + "  options: " + opt + "\n"
                + "  stats: " + stats + "\n"
                + "  trace (last events):\n" + trace, cause);
    }
}

package io.raftkv.server.command;

import io.raftkv.server.reply.Reply;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A row's implementation kind and how it runs agree, or the row is refused as the table is built. */
class CommandSpecTest {

    private static final WriteCommand WRITE = (ctx, argv) -> Reply.OK;
    private static final ReadCommand READ = (ctx, argv) -> Reply.OK;
    private static final LocalCommand LOCAL = (ctx, argv) -> Reply.OK;

    @Test
    void theImplementationSetsHowARowRuns() {
        assertEquals(Exec.WRITE, CommandSpec.builder("w", 1).flags(CommandFlag.WRITE).write(WRITE).build().exec());
        assertEquals(Exec.READ, CommandSpec.builder("r", 1).flags(CommandFlag.READONLY).read(READ).build().exec());
        assertEquals(Exec.LOCAL_READ, CommandSpec.builder("i", 1).localRead().read(READ).build().exec());
        assertEquals(Exec.LOCAL, CommandSpec.builder("l", 1).local(LOCAL).build().exec());
    }

    @Test
    void aWriteFlagWithoutTheLogIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CommandSpec.builder("sneaky", 1).flags(CommandFlag.WRITE).read(READ).build());
        assertEquals("sneaky: the write flag and Exec.WRITE go together", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CommandSpec.builder("unflagged", 1).write(WRITE).build());
    }

    @Test
    void aRowWhoseExecCannotRunItsImplementationIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> row(Exec.WRITE, READ));
        assertEquals("x: Exec.WRITE cannot run a ReadCommand", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> row(Exec.WRITE, LOCAL));
        assertThrows(IllegalArgumentException.class, () -> row(Exec.READ, WRITE));
        assertThrows(IllegalArgumentException.class, () -> row(Exec.LOCAL_READ, LOCAL));
        assertThrows(IllegalArgumentException.class, () -> row(Exec.LOCAL, READ));
    }

    private static CommandSpec row(Exec exec, Command impl) {
        EnumSet<CommandFlag> flags = exec == Exec.WRITE ? EnumSet.of(CommandFlag.WRITE) : EnumSet.noneOf(CommandFlag.class);
        return new CommandSpec("x", 1, flags, exec, 0, 0, 1, "generic", "", "1.0.0", impl, Map.of());
    }
}

package io.raftkv.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** README.md's command and configuration tables are the ones the code generates (see CommandReference). */
class CommandReferenceTest {

    private static String between(String text, String marker) {
        String begin = CommandReference.begin(marker);
        String end = CommandReference.end(marker);
        int a = text.indexOf(begin);
        int b = text.indexOf(end);
        if (a < 0 || b < a) {
            throw new AssertionError("README.md lacks the " + marker + " markers");
        }
        return text.substring(a + begin.length(), b);
    }

    @Test
    void readmeListsExactlyTheCommandsAndSettingsWeHave() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        assertEquals(CommandReference.commands(StandardCommands.table()), between(readme, "COMMANDS"),
                "README.md's command table is stale: run CommandReference README.md (see its javadoc)");
        assertEquals(CommandReference.config(), between(readme, "CONFIG"),
                "README.md's configuration table is stale: run CommandReference README.md (see its javadoc)");
    }
}

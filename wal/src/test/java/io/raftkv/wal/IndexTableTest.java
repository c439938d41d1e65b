package io.raftkv.wal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The compact {@link IndexTable} against a plain list of (index, term, queue index) on random operations. */
class IndexTableTest {

    private record Row(long index, long term, long qIndex) {
    }

    @Test
    void matchesAPlainListUnderRandomOperations() {
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            IndexTable table = new IndexTable();
            List<Row> rows = new ArrayList<>();
            long prev = random.nextInt(5);
            table.reset(prev);
            long term = 1;
            int cycle = 1 + random.nextInt(3);
            long seq = random.nextInt(3) == 0 ? 0xFFFF_FF00L : 0;
            for (int step = 0; step < 300; step++) {
                int op = random.nextInt(20);
                String what = "seed " + seed + " step " + step;
                if (op < 14) {
                    if (random.nextInt(10) == 0) {
                        term += 1 + random.nextInt(2);
                    }
                    if (random.nextInt(15) == 0) {
                        cycle++;
                        seq = 0;
                    }
                    seq += 1 + random.nextInt(3); // other record kinds sit between entries
                    long index = prev + rows.size() + 1;
                    long q = Wal.ROLL_CYCLE.toIndex(cycle, seq);
                    table.add(index, term, q);
                    rows.add(new Row(index, term, q));
                } else if (op < 17 && !rows.isEmpty()) {
                    long lastKept = prev + random.nextInt(rows.size() + 2) - 1;
                    table.truncateAfter(lastKept);
                    if (lastKept <= prev) {
                        prev = lastKept;
                        rows.clear();
                    } else {
                        while (!rows.isEmpty() && rows.get(rows.size() - 1).index() > lastKept) {
                            rows.remove(rows.size() - 1);
                        }
                    }
                } else if (!rows.isEmpty()) {
                    long first = prev + 1 + random.nextInt(rows.size() + 1);
                    table.dropBefore(first);
                    int drop = (int) (first - prev - 1);
                    rows.subList(0, Math.min(drop, rows.size())).clear();
                    prev = first - 1;
                }
                assertEquals(prev, table.prevIndex(), what);
                assertEquals(rows.size(), table.size(), what);
                for (Row r : rows) {
                    assertEquals(r.term(), table.term(r.index()), what + ": term of " + r.index());
                    assertEquals(r.qIndex(), table.queueIndex(r.index()), what + ": queue index of " + r.index());
                }
            }
        }
    }
}

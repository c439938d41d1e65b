package io.raftkv.server.command;

import io.raftkv.server.cluster.ClusterView;
import io.raftkv.server.config.ServerConfig;
import io.raftkv.server.kv.Keyspace;
import io.raftkv.server.kv.KeyspaceData;
import io.raftkv.server.kv.KeyspaceView;
import org.junit.jupiter.api.Test;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a write command can reach by type. Starting from {@link WriteContext}, this follows every public method's
 * return and parameter types (generic arguments and array components included) through the project's own types, and
 * requires that per-node state is not among them: a method added to the write context, or to anything it hands out,
 * that leads to the configuration, the server, a client, the cluster view or the store's per-node side
 * ({@link Keyspace}: stamps, memory, iteration, journal, views) fails here; as long as it passes, the compiler keeps
 * every write command from per-node state.
 */
class WriteContextReachTest {

    private static final List<Class<?>> PER_NODE = List.of(ServerState.class, ServerConfig.class, ClientSession.class,
            ClusterView.class, LocalContext.class, ReadContext.class, Keyspace.class, KeyspaceView.class);

    @Test
    void perNodeStateIsOutOfAWritesReach() {
        Map<Class<?>, String> reached = reachableFrom(WriteContext.class);
        assertTrue(reached.containsKey(KeyspaceData.class), "the store is reachable: " + reached.keySet());
        for (Class<?> c : PER_NODE) {
            assertFalse(reached.containsKey(c), c.getSimpleName() + " is reachable from WriteContext: " + reached.get(c));
        }
    }

    @Test
    void theStatsSinkCanOnlyCount() {
        int methods = 0;
        for (Method m : KeyspaceStats.class.getMethods()) {
            if (m.getDeclaringClass() != KeyspaceStats.class) {
                continue;
            }
            methods++;
            assertEquals(void.class, m.getReturnType(), m.getName() + " returns something");
            assertEquals(0, m.getParameterCount(), m.getName() + " takes an argument");
        }
        assertEquals(2, methods);
        assertTrue(Modifier.isFinal(KeyspaceStats.class.getModifiers()), "no subclass may add a way to read counts");
    }

    /** Project types reachable from {@code root}, each with the path that reached it. */
    private static Map<Class<?>, String> reachableFrom(Class<?> root) {
        Map<Class<?>, String> seen = new LinkedHashMap<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        seen.put(root, root.getSimpleName());
        todo.add(root);
        while (!todo.isEmpty()) {
            Class<?> c = todo.poll();
            for (Method m : c.getMethods()) {
                String path = seen.get(c) + "." + m.getName();
                visit(m.getGenericReturnType(), path, seen, todo);
                for (Type p : m.getGenericParameterTypes()) {
                    visit(p, path, seen, todo);
                }
            }
            for (Class<?> nested : c.getClasses()) {
                visit(nested, seen.get(c) + "$", seen, todo);
            }
        }
        return seen;
    }

    private static void visit(Type t, String path, Map<Class<?>, String> seen, Deque<Class<?>> todo) {
        if (t instanceof ParameterizedType p) {
            visit(p.getRawType(), path, seen, todo);
            for (Type a : p.getActualTypeArguments()) {
                visit(a, path, seen, todo);
            }
        } else if (t instanceof GenericArrayType a) {
            visit(a.getGenericComponentType(), path, seen, todo);
        } else if (t instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (c.getName().startsWith("io.raftkv.") && seen.putIfAbsent(c, path) == null) {
                todo.add(c);
            }
        }
    }
}

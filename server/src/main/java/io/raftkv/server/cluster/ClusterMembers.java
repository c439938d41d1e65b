package io.raftkv.server.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Parses {@code cluster-members}: {@code id@host:port[:peerport]}, comma- or space-separated; peer port defaults to port + 10000. */
public final class ClusterMembers {

    private ClusterMembers() {
    }

    /**
     * @throws IllegalArgumentException naming the entry at fault (bad syntax, duplicate id or address)
     */
    public static List<ClusterMember> parse(String text) {
        List<ClusterMember> out = new ArrayList<>();
        Set<Long> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (String item : text.trim().split("[,\\s]+")) {
            if (item.isEmpty()) {
                continue;
            }
            int at = item.indexOf('@');
            if (at <= 0) {
                throw new IllegalArgumentException("cluster member '" + item + "' is not id@host:port[:peerport]");
            }
            String[] hp = item.substring(at + 1).split(":");
            if (hp.length < 2 || hp.length > 3 || hp[0].isEmpty()) {
                throw new IllegalArgumentException("cluster member '" + item + "' is not id@host:port[:peerport]");
            }
            try {
                long id = Long.parseLong(item.substring(0, at));
                int port = Integer.parseInt(hp[1]);
                int peerPort = hp.length == 3 ? Integer.parseInt(hp[2]) : port + 10000;
                ClusterMember m = new ClusterMember(id, hp[0], port, peerPort);
                if (!ids.add(id)) {
                    throw new IllegalArgumentException("cluster member id " + id + " is listed twice");
                }
                if (!addresses.add(m.address())) {
                    throw new IllegalArgumentException("cluster address " + m.address() + " is listed twice");
                }
                out.add(m);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cluster member '" + item + "' has a bad number: " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("cluster-members is empty");
        }
        out.sort(Comparator.comparingLong(ClusterMember::id));
        return out;
    }
}

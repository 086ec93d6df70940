package dev.tapio.tools.scenario;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The original namespace+window grouping on a file small enough to group by hand. */
class NamespaceWindowBaselineTest
{
    @TempDir
    Path dir;

    private static String e(final String id, final String time, final String extra)
    {
        return "{\"id\":\"" + id + "\",\"time\":\"2026-11-21T10:" + time + "Z\",\"type\":\"k8s.pod.running\"" + extra + "}";
    }

    @Test
    void groupsByNamespaceElseNodeWithinAWindowFromTheFirstEventAndDropsSingletons() throws Exception
    {
        final Path f = dir.resolve("tiny.jsonl");
        Files.write(f, List.of(
            e("1", "00:00", ",\"namespace\":\"shop\",\"node\":\"worker-1\""),
            e("2", "00:10", ",\"node\":\"worker-1\""),                            // no namespace: by node
            e("3", "01:00", ",\"namespace\":\"shop\",\"node\":\"worker-2\""),      // node does not matter
            e("4", "00:30", ",\"namespace\":\"payments\""),                        // alone: no group
            e("5", "00:20", ",\"node\":\"worker-1\""),
            e("6", "00:40", ""),                                                     // neither: no group
            e("7", "05:00", ",\"namespace\":\"shop\""),                            // exactly 5m after 1: inside
            e("8", "05:01", ",\"namespace\":\"shop\""),                            // outside: opens the next window
            e("9", "09:00", ",\"namespace\":\"shop\""),
            e("a", "02:00", ",\"namespace\":\"shop\"")));                          // late, but in 1's window
        final List<ScenarioGroup> groups = new NamespaceWindowBaseline().apply(f);
        assertEquals(List.of("[00000001,00000003,0000000a,00000007]", "[00000002,00000005]", "[00000008,00000009]"),
            groups.stream().map(g -> g.toString().substring(g.toString().indexOf('['))).collect(Collectors.toList()));
        assertEquals(NamespaceWindowBaseline.LABEL, groups.get(0).pattern());

        final List<ScenarioGroup> narrow = new NamespaceWindowBaseline(Duration.ofSeconds(30)).apply(f);
        assertEquals(2, narrow.size()); // only pairs 10 s and 1 s apart stay together
        assertEquals(List.of(2L, 5L), narrow.get(0).events());
        assertEquals(List.of(7L, 8L), narrow.get(1).events());
    }
}

package pooltag.cli.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

/** The Grafana dashboard is valid JSON whose queries use only series the exporter serves (the live test runs them). */
class GrafanaDashboardTest {
    static final Set<String> EXPORTED = Set.of("pooltag_tag_bytes", "pooltag_tag_live_objects", "pooltag_snapshot_tags",
            "pooltag_snapshot_read_seconds", "pooltag_cgroup_kernel_bytes");

    static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(Tools.deployDir().resolve("grafana-pooltag.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> expressions() {
        List<String> out = new ArrayList<>();
        for (JsonNode p : dashboard().path("panels")) {
            for (JsonNode t : p.path("targets")) {
                out.add(t.path("expr").asText());
            }
        }
        return out;
    }

    @Test
    void everyQueryUsesOnlyExportedSeries() {
        List<String> exprs = expressions();
        assertEquals(8, exprs.size(), exprs.toString());
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("pooltag_[a-z_]+").matcher(String.join("\n", exprs));
        while (m.find()) {
            used.add(m.group());
        }
        assertEquals(new TreeSet<>(EXPORTED), used);
    }

    @Test
    void hasAHostSelectorAndAUniqueId() {
        JsonNode d = dashboard();
        assertEquals("pooltag-fleet", d.path("uid").asText());
        List<String> vars = new ArrayList<>();
        d.path("templating").path("list").forEach(v -> vars.add(v.path("name").asText()));
        assertTrue(vars.containsAll(List.of("datasource", "instance", "top")), vars.toString());
        assertFalse(expressions().stream().anyMatch(e -> !e.contains("$instance")), "every query filters by host");
    }
}

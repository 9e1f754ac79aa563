package pooltag.linux.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import pooltag.linux.ring.TraceSchema;

/** The real format files of the test machine (Linux 6.18 x86_64), captured into test resources. */
public final class Formats {
    public static final String[] KEYS = {"kmem/kmalloc", "kmem/kfree", "kmem/kmem_cache_alloc",
            "kmem/kmem_cache_free", "kmem/mm_page_alloc", "kmem/mm_page_free", "percpu/percpu_alloc_percpu",
            "percpu/percpu_free_percpu", "ftrace/kernel_stack", "task/task_newtask", "cgroup/cgroup_attach_task"};

    private Formats() {
    }

    public static String resource(String name) {
        try (InputStream in = Formats.class.getResourceAsStream("/formats/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource formats/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, String> formatTexts() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : KEYS) {
            m.put(k, resource(k.replace('/', '_') + ".format"));
        }
        return m;
    }

    public static TraceSchema schema() {
        return TraceSchema.parse(resource("header_page"), formatTexts(), "test");
    }
}

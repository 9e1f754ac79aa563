package pooltag.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import pooltag.cli.kd.KdConsole;
import pooltag.engine.kd.ProcfsKdTarget;
import pooltag.engine.publish.AddressPolicy;
import pooltag.linux.procfs.ProcfsSource;

/**
 * A vmalloc caller {@code /proc/vmallocinfo} prints as a bare address (no kallsyms name: a module since unloaded, a
 * BPF program) is tagged {@code vmalloc:0xffffffffc0a1b2c3}: every door that prints tags prints it as
 * {@code vmalloc:site@} and the run's keyed hash, and only root asking with {@code --show-addresses} sees the
 * address; the servers (exporter, web) never serve it. The input is a fake procfs root ({@code vmaddr/}) read by the
 * real {@link ProcfsSource}; golden outputs are {@code vmaddr/*.txt}, with {@code site@<hash_1>}/{@code site@<hash_2>}
 * standing for this run's masked names of the two callers (the key is new each run) and {@code {ROOT}} for the fake
 * root. The test JVM runs as root.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public class VmallocAddressMaskingTest {
    static final String CALLER1 = "0xffffffffc0a1b2c3";
    static final String CALLER2 = "0xffffffffc0d4e5f6";
    static final Pattern KERNEL_ADDRESS = Pattern.compile("(?i)0x[0-9a-f]{8,}|ffff[0-9a-f]{12}");

    @TempDir
    Path root;

    @BeforeEach
    void fakeProcRoot() throws IOException {
        buildRoot(root);
    }

    /** The fake procfs root: one slab cache, a symbolized vmalloc caller and two bare-address ones (exporter too). */
    public static void buildRoot(Path root) throws IOException {
        write(root, "proc/slabinfo", resource("slabinfo"));
        write(root, "proc/vmallocinfo", resource("vmallocinfo"));
        write(root, "sys/kernel/slab/kmalloc-64/reclaim_account", "0\n");
        write(root, "sys/kernel/slab/kmalloc-64/object_size", "64\n");
        write(root, "proc/sys/kernel/osrelease", "6.18.44-test\n");
        write(root, "proc/kallsyms", "ffffffff81000000 T _stext\n");
    }

    private static void write(Path root, String path, String text) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    static String resource(String name) {
        try (InputStream in = VmallocAddressMaskingTest.class.getResourceAsStream("/vmaddr/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource vmaddr/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The golden output {@code name}, with this run's masked names and the fake root filled in. */
    private String golden(String name) {
        AddressPolicy masked = AddressPolicy.masked();
        return resource(name).replace("site@<hash_1>", masked.names(CALLER1))
                .replace("site@<hash_2>", masked.names(CALLER2))
                .replace("{ROOT}", root.toString());
    }

    private static void noKernelAddress(String out) {
        Matcher m = KERNEL_ADDRESS.matcher(out);
        assertFalse(m.find(), () -> "raw kernel address " + m.group() + " in:\n" + out);
    }

    private ProcfsSource source() {
        return new ProcfsSource(root, true);
    }

    private CliRun poolused(String... args) {
        return CliRun.of(cl -> ((PoolUsedCommand) cl.getSubcommands().get("poolused").getCommand()).source =
                source()::take, prepend("poolused", args));
    }

    private CliRun mon(String... args) {
        return CliRun.of(cl -> ((MonCommand) cl.getSubcommands().get("mon").getCommand()).usageSource =
                source()::take, prepend("mon", args));
    }

    private static String[] prepend(String command, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    @Test
    void theMaskedNamesAreSiteAndAHashOnePerCaller() {
        String site1 = AddressPolicy.masked().names(CALLER1);
        assertTrue(site1.matches("site@[0-9a-f]{8}"), site1);
        assertNotEquals(site1, AddressPolicy.masked().names(CALLER2));
    }

    @Test
    void poolusedMasksABareAddressCallerUnlessRootAsks() {
        // sorted by NonPaged use (2): by tag, the two masked callers' order would be their hashes', new each run
        CliRun masked = poolused("2");
        assertEquals(0, masked.exit(), masked.err());
        assertEquals(golden("poolused-masked.txt"), masked.out());
        noKernelAddress(masked.out());
        // the TagString matches the name as printed
        CliRun pattern = poolused("0", "vmalloc:site@*");
        assertEquals(2, pattern.outLines().stream().filter(l -> l.startsWith(" vmalloc:site@")).count(), pattern.out());
        CliRun json = poolused("--json");
        noKernelAddress(json.out());
        assertTrue(json.out().contains("\"tag\" : \"vmalloc:" + AddressPolicy.masked().names(CALLER1) + "\""),
                json.out());

        assumeTrue(AddressPolicy.isRoot(), "--show-addresses is root's");
        CliRun raw = poolused("--show-addresses", "2");
        assertEquals(0, raw.exit(), raw.err());
        assertEquals(golden("poolused-raw.txt"), raw.out());
    }

    @Test
    void monBatchMasksABareAddressCallerInEverySnapshotAndTheGrowthUnlessRootAsks() {
        CliRun masked = mon("--batch", "--count", "1", "-i", "vmalloc:*");
        assertEquals(0, masked.exit(), masked.err());
        assertEquals(golden("mon-masked.txt"), masked.out());
        noKernelAddress(masked.out());

        assumeTrue(AddressPolicy.isRoot(), "--show-addresses is root's");
        CliRun raw = mon("--batch", "--count", "1", "-i", "vmalloc:*", "--show-addresses");
        assertEquals(0, raw.exit(), raw.err());
        assertEquals(golden("mon-raw.txt"), raw.out());
    }

    /** poolused's capture as root saved it with --show-addresses, diffed and trended by anyone. */
    private Path[] rawCaptures() throws IOException {
        assumeTrue(AddressPolicy.isRoot(), "the captures are made with --show-addresses, root's");
        Path before = root.resolve("before.txt");
        Files.writeString(before, poolused("--show-addresses").out());
        write(root, "proc/vmallocinfo", resource("vmallocinfo-later"));
        Path after = root.resolve("after.txt");
        Files.writeString(after, poolused("--show-addresses").out());
        assertTrue(Files.readString(after).contains("vmalloc:" + CALLER1));
        return new Path[] {before, after};
    }

    @Test
    void diffMasksACaptureHeldAddressUnlessRootAsks() throws IOException {
        Path[] c = rawCaptures();
        CliRun masked = CliRun.of("diff", c[0].toString(), c[1].toString());
        assertEquals(0, masked.exit(), masked.err());
        assertEquals(golden("diff-masked.txt"), masked.out());
        noKernelAddress(CliRun.of("diff", "--json", c[0].toString(), c[1].toString()).out());

        CliRun raw = CliRun.of("diff", "--show-addresses", c[0].toString(), c[1].toString());
        assertEquals(0, raw.exit(), raw.err());
        assertEquals(golden("diff-raw.txt"), raw.out());
    }

    @Test
    void trendMasksACaptureHeldAddressUnlessRootAsks() throws IOException {
        Path[] c = rawCaptures();
        CliRun masked = CliRun.of("trend", "--top", "3", c[0].toString(), c[1].toString());
        assertEquals(0, masked.exit(), masked.err());
        assertEquals(golden("trend-masked.txt"), masked.out());
        noKernelAddress(CliRun.of("trend", "--json", c[0].toString(), c[1].toString()).out());
        Path svg = root.resolve("trend.svg");
        assertEquals(0, CliRun.of("trend", "--chart", svg.toString(), c[0].toString(), c[1].toString()).exit());
        noKernelAddress(Files.readString(svg));

        CliRun raw = CliRun.of("trend", "--top", "3", "--show-addresses", c[0].toString(), c[1].toString());
        assertEquals(0, raw.exit(), raw.err());
        assertEquals(golden("trend-raw.txt"), raw.out());
    }

    @Test
    void kdPoolusedMasksABareAddressCallerUnlessRootAsks() {
        StringWriter w = new StringWriter();
        KdConsole c = new KdConsole(new ProcfsKdTarget(root, true), new PrintWriter(w), AddressPolicy.masked(),
                KdConsole.BreakIn.NONE);
        assertEquals(KdConsole.Result.OK, c.execute("!poolused 2 vmalloc:*"));
        assertEquals(golden("kd-poolused-masked.txt"), w.toString());

        StringWriter r = new StringWriter();
        new KdConsole(new ProcfsKdTarget(root, true), new PrintWriter(r), AddressPolicy.raw(), KdConsole.BreakIn.NONE)
                .execute("!poolused 2 vmalloc:*");
        assertEquals(golden("kd-poolused-raw.txt"), r.toString());
    }

    /** The web view never serves an address: each bare caller's row is vmalloc:<addr>, whatever the policy. */
    @Test
    void theWebViewServesTheCallersScrubbed() throws Exception {
        try (pooltag.cli.web.WebServer w = pooltag.cli.web.WebServer.start(new java.net.InetSocketAddress(
                java.net.InetAddress.getLoopbackAddress(), 0), source()::take,
                pooltag.engine.publish.WebServices.none(), new pooltag.cli.web.WebServer.Options(60_000, 10))) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + w.port() + "/api/poolused?flags=2")).header("X-Pooltag-Token", w.token()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            noKernelAddress(body);
            var tags = new java.util.ArrayList<String>();
            pooltag.cli.render.Json.MAPPER.readTree(body).path("tags").forEach(t -> tags.add(t.path("tag").asText()));
            tags.sort(null);
            assertEquals(java.util.List.of("kmalloc-64", "vmalloc:<addr>", "vmalloc:<addr>",
                    "vmalloc:irq_init_percpu_irqstack"), tags, body);
        }
    }

    @Test
    void showAddressesIsOnEveryCommandThatPrintsUsageRows() {
        for (String command : new String[] {"poolused", "mon", "diff", "trend", "report", "hunt", "find", "hit", "kd"}) {
            CommandLine sub = pooltag.cli.Main.commandLine().getSubcommands().get(command);
            assertTrue(sub.getCommandSpec().findOption("--show-addresses") != null, command);
        }
    }
}

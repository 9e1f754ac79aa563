package pooltag.cli.web;

import static java.util.Map.entry;
import static pooltag.cli.http.HttpAnswers.echo;
import static pooltag.cli.http.HttpAnswers.escapeControls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import pooltag.cli.http.HttpAnswers;
import pooltag.cli.http.HttpServerLimits;
import pooltag.cli.render.Json;
import pooltag.cli.render.PoolUsedTable;
import pooltag.engine.publish.AddressPolicy;
import pooltag.core.error.PooltagException;
import pooltag.core.snapshot.Loss;
import pooltag.core.snapshot.PoolUsedQuery;
import pooltag.core.snapshot.UsageSnapshot;
import pooltag.engine.hit.Break;
import pooltag.engine.hit.HitService;
import pooltag.engine.hunt.HuntService;
import pooltag.engine.publish.CaptureService;
import pooltag.engine.publish.WebServices;

/**
 * {@code pooltag serve}: the web page and its JSON API on the JDK's HTTP server. Every script and style is served
 * from the jar (Chart.js from its webjar), nothing from a CDN.
 *
 * <p>API (JSON; kernel addresses never served: tags and descriptions pass through {@link AddressPolicy#scrub}):
 * <ul>
 *   <li>{@code GET /api/info}: version, sampling, which of hit/hunt/open this build has;</li>
 *   <li>{@code GET /api/history?top=N}: the ring of snapshots as chart lines (bytes per tag, top N now);</li>
 *   <li>{@code GET /api/poolused?flags=0|2|4&tag=PATTERN}: a fresh snapshot as {@code poolused --json} prints it;</li>
 *   <li>{@code GET /api/hit?after=SEQ}, {@code POST /api/hit/arm} ({"tag": ...}), {@code POST /api/hit/clear};</li>
 *   <li>{@code GET /api/hunt}: the last hunt's verdict ({@code verdict}, {@code leak_found}: the words and answer of
 *       {@code pooltag hunt}), its {@code notes}, suspects and outstanding stacks (the flame graph), or how long the
 *       running one has run; {@code POST /api/hunt/start} starts a hunt (no GET ever starts tracing);</li>
 *   <li>{@code POST /api/open?name=FILE&flags=F}: a capture or recording as a poolused table.</li>
 * </ul>
 * A view whose service is absent answers 501 with {"available": false, "message": ...}. Errors answer one line
 * ({"error": ...}, input echoed bounded and escaped: {@link #errorText}): 400 for a bad request (malformed JSON
 * included), 405 (with Allow) for a method the path does not take, 413 for a body over the path's limit, 503 (with
 * Retry-After) when {@link #MAX_PARALLEL_UPLOADS} uploads are being parsed, 500 for a failure of ours. Access rules:
 * {@link Access}; limits on connections and request time: {@link HttpServerLimits}.
 */
public final class WebServer implements AutoCloseable {
    /** Largest upload to /api/open, bytes, whatever the heap; {@link #uploadCap} lowers it on a small heap. */
    static final int MAX_UPLOAD = 64 << 20;
    /** Largest body of {@code POST /api/hit/arm}, bytes. */
    static final int MAX_ARM_BODY = 4096;
    /**
     * Uploads parsed at once; more answer 503 with Retry-After. Parsing an upload holds it and the parser's copy (the
     * text once plus a line index, or the replay's ledger): measured 6-8x its size (a 16 MiB capture of 300,000 short
     * rows needs a heap between 96 and 128 MiB). At a {@link #UPLOAD_HEAP_SHARE}-th of the heap each, two parses
     * hold at most about half of it.
     */
    static final int MAX_PARALLEL_UPLOADS = 2;
    static final int UPLOAD_HEAP_SHARE = 32;
    static final String VERSION = "pooltag 0.1.0";

    /**
     * @param intervalMillis time between ring samples (the chart's resolution)
     * @param history        samples kept (history = interval x this)
     */
    public record Options(long intervalMillis, int history) {
    }

    /** The request deadline, seconds ({@link HttpServerLimits}, shared with the exporter). */
    static final int REQUEST_SECONDS = HttpServerLimits.REQUEST_SECONDS;

    private final HttpServer server;
    private final ExecutorService http;
    private final ScheduledExecutorService sampler;
    private final SnapshotRing ring;
    private final Supplier<UsageSnapshot> source;
    private final WebServices services;
    private final Access access;
    private final Options options;
    private final Map<String, byte[]> assets = new HashMap<>();
    private volatile String lastSampleError;
    private final java.util.concurrent.Semaphore uploads = new java.util.concurrent.Semaphore(MAX_PARALLEL_UPLOADS);
    private final int uploadCap = uploadCap(Runtime.getRuntime().maxMemory());
    private final Map<String, Endpoint> endpoints = endpoints();

    /** The effective upload cap: {@link #MAX_UPLOAD}, or a {@link #UPLOAD_HEAP_SHARE}-th of the heap if smaller. */
    static int uploadCap(long maxHeap) {
        return (int) Math.min(MAX_UPLOAD, maxHeap / UPLOAD_HEAP_SHARE);
    }

    private WebServer(HttpServer server, Supplier<UsageSnapshot> source, WebServices services, Access access, Options options) {
        this.server = server;
        this.source = source;
        this.services = services;
        this.access = access;
        this.options = options;
        this.ring = new SnapshotRing(options.history());
        this.http = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pooltag-web-", 0).factory());
        this.sampler = Executors.newSingleThreadScheduledExecutor(daemon("pooltag-web-sampler"));
    }

    /**
     * Binds, takes the first snapshot (so the chart has a point at once; a source error surfaces here) and starts
     * sampling every {@code options.intervalMillis()}.
     */
    public static WebServer start(InetSocketAddress listen, Supplier<UsageSnapshot> source, WebServices services,
                                  Options options) throws IOException {
        Access access = Access.forBind(listen.getAddress());
        HttpServerLimits.apply();
        HttpServer hs = HttpServer.create(listen, 0);
        WebServer ws = new WebServer(hs, source, services, access, options);
        ws.loadAssets();
        ws.ring.add(System.currentTimeMillis(), source.get());
        hs.createContext("/", ws::handle);
        hs.setExecutor(ws.http);
        hs.start();
        ws.sampler.scheduleWithFixedDelay(ws::sample, options.intervalMillis(), options.intervalMillis(), TimeUnit.MILLISECONDS);
        return ws;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The access token: give it to the starter only (the address to open is {@code /?token=} this). */
    public String token() {
        return access.token();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        server.stop(0);
        http.shutdownNow();
    }

    private void sample() {
        try {
            ring.add(System.currentTimeMillis(), source.get());
            lastSampleError = null;
        } catch (RuntimeException e) {
            // Shown by /api/info and on the page; the next sample tries again.
            lastSampleError = e.getMessage();
        }
    }

    private void loadAssets() {
        asset("/", "pooltag/web/index.html");
        asset("/static/app.js", "pooltag/web/app.js");
        asset("/static/app.css", "pooltag/web/app.css");
        asset("/static/flame.js", "pooltag/web/flame.js");
        asset("/static/chart.umd.js", "META-INF/resources/webjars/chart.js/" + chartJsVersion() + "/dist/chart.umd.js");
    }

    static String chartJsVersion() {
        java.util.Properties p = new java.util.Properties();
        try (InputStream in = resource("pooltag/web/build.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("chartjs.version");
    }

    private void asset(String path, String resource) {
        try (InputStream in = resource(resource)) {
            assets.put(path, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = WebServer.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("resource " + name + " missing from the jar (a packaging bug)");
        }
        return in;
    }

    private void handle(HttpExchange ex) throws IOException {
        CALL.remove();
        try {
            handleCall(ex);
        } finally {
            CALL.remove();
        }
    }

    private void handleCall(HttpExchange ex) throws IOException {
        try (ex) {
            securityHeaders(ex);
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            Endpoint endpoint = endpoints.get(path); // null: no such address, a 404 for any method
            int bodyLimit = endpoint == null ? MAX_ARM_BODY : endpoint.bodyLimit();
            boolean upload = endpoint != null && endpoint.upload();
            CALL.get().drainLimit = bodyLimit;
            try {
                if (!upload) {
                    // Every other body is small: read it whole (or refuse it, 413, on its declared length) before
                    // answering, so the connection stays usable after any answer, a refusal included.
                    CALL.get().smallBody = readBody(ex, bodyLimit);
                }
                String refusal = access.refusal(ex);
                if (refusal != null) {
                    int status = Integer.parseInt(refusal.substring(0, 3));
                    send(ex, status, "text/plain; charset=utf-8",
                            (refusal.substring(4) + "\n").getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (endpoint == null) {
                    notFound(ex, path);
                    return;
                }
                String allow = endpoint.allow();
                if (!HttpAnswers.allows(allow, method)) {
                    // The method is not echoed: it is the client's text, of any length.
                    ex.getResponseHeaders().set("Allow", allow);
                    sendJson(ex, 405, error("this address takes " + allow.replace(", HEAD", "")));
                    return;
                }
                if (upload) {
                    // read by its handler: refused on its declared length before that
                    refuseOversizeBody(ex, bodyLimit);
                }
                endpoint.handler().answer(ex, method);
            } catch (BodyTooLarge e) {
                sendJson(ex, 413, error(e.getMessage()));
            } catch (Busy e) {
                ex.getResponseHeaders().set("Retry-After", Integer.toString(Busy.RETRY_SECONDS));
                sendJson(ex, 503, error(e.getMessage()));
            } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
                sendJson(ex, 400, error("bad JSON in the request body: a number, string or nesting longer than"
                        + " this server reads"));
            } catch (JsonProcessingException e) {
                // Jackson's own words name its classes and limits: say where, not what Jackson calls it.
                sendJson(ex, 400, error("bad JSON in the request body" + (e.getLocation() == null ? ""
                        : " at line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr())));
            } catch (PooltagException | IllegalArgumentException e) {
                sendJson(ex, 400, error(e.getMessage()));
            } catch (RuntimeException e) {
                // A fixed text: the JDK's messages name classes and paths, which tell the user nothing and an
                // attacker more. The operator's standard error gets the exception.
                System.err.println("pooltag serve: internal error on " + method + " " + path + ": " + e);
                sendJson(ex, 500, error("internal error (a pooltag bug; the server's standard error says more)"));
            } catch (OutOfMemoryError e) {
                pooltag.cli.Fatal.outOfMemory(e);
                throw e;
            }
        }
    }

    private void home(HttpExchange ex) throws IOException {
        if (access.matches(Access.queryToken(ex))) {
            // Trade the token in the address for a cookie and drop it from the address bar and history.
            ex.getResponseHeaders().add("Set-Cookie", Access.COOKIE + "=" + access.token()
                    + "; Path=/; HttpOnly; SameSite=Strict");
            ex.getResponseHeaders().add("Location", "/");
            send(ex, 303, "text/plain; charset=utf-8", new byte[0]);
            return;
        }
        if (!access.authenticated(ex)) {
            // The form that asks for the token, nothing more: no script, no data, no token.
            send(ex, 401, "text/html; charset=utf-8", ASK_PAGE.getBytes(StandardCharsets.UTF_8));
            return;
        }
        String html = new String(assets.get("/"), StandardCharsets.UTF_8).replace("{{TOKEN}}", access.token());
        send(ex, 200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    private void sendAsset(HttpExchange ex, String path, String type) throws IOException {
        send(ex, 200, type, assets.get(path));
    }

    private void poolused(HttpExchange ex) throws IOException {
        PoolUsedQuery q = PoolUsedQuery.parse(param(ex, "flags"), param(ex, "tag"));
        sendJson(ex, 200, poolusedJson(q.apply(source.get())));
    }

    private static void notFound(HttpExchange ex, String path) throws IOException {
        send(ex, 404, "text/plain; charset=utf-8",
                ("no such page: " + echo(path) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** What answers a request to an address, once its method and body limit have been checked. */
    interface Handler {
        void answer(HttpExchange ex, String method) throws IOException;
    }

    /**
     * An address: {@code allow}, its methods as {@code Allow} names them; {@code bodyLimit}, the most request body,
     * bytes; {@code upload}, whether its handler reads the body itself (else the body is read whole, up to the limit,
     * before anything answers); and its handler. Only /api/open and /api/hit/arm use a body; elsewhere the limit only
     * refuses a huge one at once (and bounds what a refusal drains). An address not in {@link #endpoints} is a 404 for
     * any method.
     */
    record Endpoint(String allow, int bodyLimit, boolean upload, Handler handler) {
        Endpoint(String allow, Handler handler) {
            this(allow, MAX_ARM_BODY, false, handler);
        }
    }

    private static final String READ = "GET, HEAD";
    private static final String CHANGE = "POST";

    /** Every address this server answers, and nothing else: the one place a path is named. */
    private Map<String, Endpoint> endpoints() {
        return Map.ofEntries(
                entry("/", new Endpoint(READ, (ex, m) -> home(ex))),
                entry("/static/app.js", script("/static/app.js")),
                entry("/static/flame.js", script("/static/flame.js")),
                entry("/static/chart.umd.js", script("/static/chart.umd.js")),
                entry("/static/app.css", new Endpoint(READ,
                        (ex, m) -> sendAsset(ex, "/static/app.css", "text/css; charset=utf-8"))),
                entry("/api/info", new Endpoint(READ, (ex, m) -> sendJson(ex, 200, info()))),
                entry("/api/history", new Endpoint(READ,
                        (ex, m) -> sendJson(ex, 200, history(intParam(ex, "top", 10, 1, 50))))),
                entry("/api/poolused", new Endpoint(READ, (ex, m) -> poolused(ex))),
                entry("/api/hit", new Endpoint(READ, this::hitStatus)),
                entry("/api/hunt", new Endpoint(READ, (ex, m) -> hunt(ex, m, false))),
                entry("/api/hit/arm", new Endpoint(CHANGE, (ex, m) -> hitChange(ex, m, true))),
                entry("/api/hit/clear", new Endpoint(CHANGE, (ex, m) -> hitChange(ex, m, false))),
                entry("/api/hunt/start", new Endpoint(CHANGE, (ex, m) -> hunt(ex, m, true))),
                entry("/api/open", new Endpoint(CHANGE, uploadCap, true, this::open)));
    }

    private Endpoint script(String path) {
        return new Endpoint(READ, (ex, m) -> sendAsset(ex, path, "text/javascript; charset=utf-8"));
    }

    /** The addresses and what each takes (for tests that visit them all). */
    Map<String, Endpoint> addresses() {
        return endpoints;
    }

    /**
     * A declared Content-Length over the address's limit is refused (413) as soon as the headers are read, not after
     * waiting for a body that may never come.
     */
    private static void refuseOversizeBody(HttpExchange ex, int max) {
        if (HttpAnswers.declaredLength(ex.getRequestHeaders()) > max) {
            throw new BodyTooLarge(max);
        }
    }

    private ObjectNode info() {
        ObjectNode n = Json.object();
        n.put("version", VERSION);
        n.put("interval_ms", options.intervalMillis());
        n.put("history", options.history());
        n.put("samples", ring.size());
        if (lastSampleError == null) {
            n.putNull("sample_error");
        } else {
            n.put("sample_error", AddressPolicy.scrub(lastSampleError));
        }
        ObjectNode f = n.putObject("features");
        f.put("hit", services.hit().isPresent());
        f.put("hunt", services.hunt().isPresent());
        f.put("open", services.captures().isPresent());
        return n;
    }

    private ObjectNode history(int top) {
        SnapshotRing.History h = ring.history(top);
        ObjectNode n = Json.object();
        ArrayNode times = n.putArray("times_ms");
        for (long t : h.epochMillis()) {
            times.add(t);
        }
        ArrayNode lines = n.putArray("series");
        for (SnapshotRing.Line l : h.lines()) {
            ObjectNode o = lines.addObject();
            o.put("tag", l.tag());
            ArrayNode b = o.putArray("bytes");
            for (Long v : l.bytes()) {
                if (v == null) {
                    b.addNull();
                } else {
                    b.add(v);
                }
            }
        }
        return n;
    }

    /** {@link PoolUsedTable#json} (what {@code poolused --json} prints) with tags and descriptions redacted. */
    static ObjectNode poolusedJson(PoolUsedQuery.Result r) {
        ObjectNode root = PoolUsedTable.json(r);
        for (JsonNode t : root.path("tags")) {
            ObjectNode o = (ObjectNode) t;
            o.put("tag", AddressPolicy.scrub(o.path("tag").asText()));
            o.put("description", AddressPolicy.scrub(o.path("description").asText()));
        }
        return root;
    }

    private void hitStatus(HttpExchange ex, String method) throws IOException {
        if (services.hit().isEmpty()) {
            sendJson(ex, 501, unavailable("hit"));
            return;
        }
        HitService hit = services.hit().get();
        long after = longParam(ex, "after", 0);
        ObjectNode n = Json.object();
        n.put("available", true);
        n.set("status", status(hit.status()));
        ArrayNode hits = n.putArray("hits");
        for (Break h : hit.hitsAfter(after, 500)) {
            ObjectNode o = hits.addObject();
            o.put("seq", h.seq());
            o.put("time_ns", h.timeNanos());
            o.put("event", h.kind().label());
            o.put("cpu", h.cpu());
            o.put("pid", h.pid());
            o.put("comm", AddressPolicy.scrub(h.comm()));
            o.put("tag", AddressPolicy.scrub(h.tag()));
            o.put("pool", h.pool() == null ? "" : h.pool().label());
            o.put("bytes", h.size());
            ArrayNode st = o.putArray("stack");
            h.frames().forEach(f -> st.add(AddressPolicy.scrub(f)));
        }
        sendJson(ex, 200, n);
    }

    private void hitChange(HttpExchange ex, String method, boolean arm) throws IOException {
        if (services.hit().isEmpty()) {
            sendJson(ex, 501, unavailable("hit"));
            return;
        }
        HitService hit = services.hit().get();
        HitService.Status s;
        if (arm) {
            s = hit.arm(armTag(CALL.get().smallBody));
        } else {
            s = hit.clear();
        }
        ObjectNode n = Json.object();
        n.put("available", true);
        n.set("status", status(s));
        sendJson(ex, 200, n);
    }

    /** Exactly one JSON object holding a string "tag" of printable characters; anything else is a 400. */
    static String armTag(byte[] body) throws IOException {
        JsonNode root = ARM_READER.readTree(body);
        if (root == null || !root.isObject() || !root.path("tag").isTextual()) {
            throw new IllegalArgumentException("arm needs a JSON object with a string tag: {\"tag\": \"filp\"}");
        }
        String tag = root.path("tag").asText().trim();
        if (tag.isEmpty()) {
            throw new IllegalArgumentException("arm needs a tag: {\"tag\": \"filp\"}");
        }
        for (int i = 0; i < tag.length(); i++) {
            if (Character.isISOControl(tag.charAt(i))) {
                throw new IllegalArgumentException("hit tag '" + echo(tag) + "' holds a control character");
            }
        }
        if (tag.length() > MAX_TAG_CHARS) {
            throw new IllegalArgumentException("hit tag '" + echo(tag) + "' is " + tag.length()
                    + " characters long; a tag is at most " + MAX_TAG_CHARS);
        }
        return tag;
    }

    /** Longer than any cache name, glob or stack tag a user types. */
    static final int MAX_TAG_CHARS = 256;

    /** Strict: trailing text after the object is an error, not ignored. */
    private static final com.fasterxml.jackson.databind.ObjectReader ARM_READER = Json.MAPPER.reader()
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static ObjectNode status(HitService.Status s) {
        ObjectNode n = Json.object();
        if (s.armedTag() == null) {
            n.putNull("armed_tag");
        } else {
            n.put("armed_tag", AddressPolicy.scrub(s.armedTag()));
        }
        n.put("hits", s.hits());
        n.set("loss", Json.loss(s.loss() == null ? Loss.NONE : s.loss()));
        n.put("note", s.note() == null ? "" : s.note());
        return n;
    }

    /** GET reads the last report (never starts a hunt); POST /api/hunt/start starts one unless one runs. */
    private void hunt(HttpExchange ex, String method, boolean start) throws IOException {
        if (services.hunt().isEmpty()) {
            sendJson(ex, 501, unavailable("hunt"));
            return;
        }
        HuntService h = services.hunt().get();
        boolean running;
        HuntService.Report r;
        if (start) {
            r = h.start();
            running = h.running();
        } else {
            // Asked before the report: a hunt ending in between shows its report once more as running (the page polls
            // again), never a pending report as finished
            running = h.running();
            r = h.report();
        }
        ObjectNode n = Json.object();
        n.put("available", true);
        n.put("running", running);
        n.put("elapsed_s", r.elapsedNanos() / 1e9);
        // The answer as `pooltag hunt` gives it ("" until a hunt has finished), and what limits it.
        n.put("verdict", AddressPolicy.scrub(r.verdict()));
        n.put("leak_found", r.leakFound());
        ArrayNode notes = n.putArray("notes");
        r.notes().forEach(note -> notes.add(AddressPolicy.scrub(note)));
        ArrayNode sus = n.putArray("suspects");
        for (HuntService.Suspect s : r.suspects()) {
            ObjectNode o = sus.addObject();
            o.put("tag", AddressPolicy.scrub(s.tag()));
            o.put("kind", s.kind());
            o.put("pool", s.pool());
            o.put("outstanding", s.outstanding());
            o.put("bytes", s.bytes());
            o.put("bytes_per_s", s.bytesPerSecond());
            o.put("confidence", s.confidence());
            if (s.growsWith() != null) {
                o.put("grows_with", AddressPolicy.scrub(s.growsWith()));
            }
            o.put("why", AddressPolicy.scrub(s.why()));
        }
        ArrayNode stacks = n.putArray("stacks");
        for (HuntService.StackBytes s : r.outstandingStacks()) {
            ObjectNode o = stacks.addObject();
            ArrayNode fr = o.putArray("frames");
            s.frames().forEach(f -> fr.add(AddressPolicy.scrub(f)));
            o.put("allocations", s.allocations());
            o.put("bytes", s.bytes());
        }
        n.set("loss", Json.loss(r.loss() == null ? Loss.NONE : r.loss()));
        sendJson(ex, 200, n);
    }

    private void open(HttpExchange ex, String method) throws IOException {
        if (services.captures().isEmpty()) {
            sendJson(ex, 501, unavailable("open"));
            return;
        }
        String typed = param(ex, "name");
        // Names the upload in every answer and message: the user's name (bounded, control characters escaped).
        String name = typed == null ? "upload" : echo(typed);
        PoolUsedQuery query = PoolUsedQuery.parse(param(ex, "flags"), null);
        if (!uploads.tryAcquire()) {
            throw new Busy();
        }
        CaptureService.Opened opened;
        try {
            byte[] body = readBody(ex, uploadCap);
            opened = services.captures().get().openFile(name, body);
        } catch (OutOfMemoryError e) {
            // The parse's garbage is unreachable once its frames are gone; the server keeps serving. The caps above
            // make this rare: what else holds the heap at the time, not the uploads alone.
            throw new BodyTooLarge("the file needs more memory than this server has free (heap "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB); open it with the pooltag command instead");
        } finally {
            uploads.release();
        }
        UsageSnapshot s = opened.snapshot();
        ObjectNode n = poolusedJson(query.apply(new UsageSnapshot(s.takenAtNanos(), name, s.rows(), s.loss())));
        n.set("recording", recordingJson(opened.recording()));
        sendJson(ex, 200, n);
    }

    /** A replayed recording's health as {@code report --json} words it; null for a Windows capture. */
    static JsonNode recordingJson(CaptureService.RecordingHealth h) {
        if (h == null) {
            return com.fasterxml.jackson.databind.node.NullNode.getInstance();
        }
        // the reason may quote the hostile file's bytes: scrubbed as every message a page shows
        CaptureService.RecordingHealth shown = new CaptureService.RecordingHealth(
                h.cutShort() == null ? null : AddressPolicy.scrub(h.cutShort()), h.fileBytes(), h.skippedBytes(),
                h.skippedPages(), h.malformedRecords(), h.unknownBlocks(), h.lostEvents(), h.outOfOrderEvents(),
                h.forcedDrains(), h.damagedBlocks(),
                h.firstDamage() == null ? null : AddressPolicy.scrub(h.firstDamage()),
                h.diskFull() == null ? null : AddressPolicy.scrub(h.diskFull()), h.diskFullPagesDropped());
        return Json.recordingHealth(Json.object(), shown, -1, -1);
    }

    static ObjectNode unavailable(String view) {
        ObjectNode n = Json.object();
        n.put("available", false);
        n.put("message", switch (view) {
            // Only a server built without the service answers this (pooltag serve wires all three).
            case "hit" -> "Hit is not available on this server: it was started without the hit service.";
            case "hunt" -> "Hunt is not available on this server: it was started without the hunt service.";
            default -> "Opening a Windows capture or a recording is not available on this server: it was started"
                    + " without the capture service.";
        });
        return n;
    }

    private static ObjectNode error(String message) {
        ObjectNode n = Json.object();
        n.put("error", errorText(message));
        return n;
    }

    /** Largest error message served, characters: messages echo input, which is bounded where it is echoed too. */
    static final int MAX_ERROR_CHARS = 512;

    /**
     * An error message as served: one line (control characters escaped, never cut at a newline: what follows may
     * be the point), at most {@link #MAX_ERROR_CHARS}, and kernel addresses masked
     * ({@link AddressPolicy#scrubMessage}: a long number or a tag of a's the user typed is echoed as typed).
     */
    static String errorText(String message) {
        String m = escapeControls(message == null ? "" : message.strip());
        if (m.length() > MAX_ERROR_CHARS) {
            m = m.substring(0, MAX_ERROR_CHARS) + "...";
        }
        return AddressPolicy.scrubMessage(m);
    }

    /** A request body over its limit: 413, caught in {@link #handle}. */
    static final class BodyTooLarge extends IllegalArgumentException {
        BodyTooLarge(int max) {
            super("request body larger than " + max + " bytes (" + (max >> 10) + " KiB), the most this address takes");
        }

        BodyTooLarge(String message) {
            super(message);
        }
    }

    /** Every upload slot is parsing: 503 with Retry-After, caught in {@link #handle}. */
    static final class Busy extends IllegalArgumentException {
        static final int RETRY_SECONDS = 5;

        Busy() {
            super("the server is already opening " + MAX_PARALLEL_UPLOADS + " files; try again in " + RETRY_SECONDS
                    + " s");
        }
    }

    /** {@code GET /} without the token: a form that asks for it (the CSP allows forms to this origin only). */
    static final String ASK_PAGE = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>pooltag</title><link rel="icon" href="data:,"></head>
            <body><h1>pooltag</h1>
            <p>This server needs the token printed on the terminal that started it (the address ending in
            <code>/?token=...</code>).</p>
            <form method="get" action="/"><label>Token <input type="password" name="token" size="50"
            autocomplete="off"></label> <button type="submit">Open</button></form>
            </body></html>
            """;

    /**
     * What {@link #handle} knows of its exchange: whether the request body was read to its end (so the connection can
     * take another request) and, for every path but /api/open, the body. Held per thread (one virtual thread per
     * exchange), not as exchange attributes: the JDK's server shares those among every exchange of a context.
     */
    private static final class Call {
        boolean bodyRead;
        byte[] smallBody;
        /** The most body bytes a refusal reads to nowhere before answering (the path's own limit). */
        long drainLimit;
    }

    private static final ThreadLocal<Call> CALL = ThreadLocal.withInitial(Call::new);

    /**
     * The request body, refused past {@code max} bytes: a declared Content-Length over it is refused before reading,
     * a chunked body as soon as it passes it. The read itself is bounded in time by the server's request deadline.
     */
    private static byte[] readBody(HttpExchange ex, int max) throws IOException {
        long length = HttpAnswers.declaredLength(ex.getRequestHeaders());
        if (length > max) {
            throw new BodyTooLarge(max);
        }
        if (length < 0 && ex.getRequestHeaders().getFirst("Transfer-Encoding") == null) {
            // no body at all (a GET): nothing to allocate, its empty stream read to its end
            CALL.get().bodyRead = HttpAnswers.settleUnreadBody(ex, 0);
            return new byte[0];
        }
        // Not closed here: closing it ends the body for good, and a body refused part-way (BodyTooLarge) must stay
        // readable for settleBody, which reads the rest away so the client gets its 413 (the exchange closes it).
        InputStream in = ex.getRequestBody();
        if (length >= 0) {
            // Declared and within max: one array of that size, no doubling buffer (an upload costs its size once
            // here). read() to -1 after it marks the body read to its end.
            byte[] body = new byte[(int) length];
            int off = 0;
            for (int n; off < body.length && (n = in.read(body, off, body.length - off)) >= 0; ) {
                off += n;
            }
            if (off < body.length || in.read() >= 0) {
                throw new IllegalArgumentException("request body shorter than its Content-Length");
            }
            CALL.get().bodyRead = true;
            return body;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[Math.min(65536, max + 1)];
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (out.size() + n > max) {
                throw new BodyTooLarge(max);
            }
            out.write(buf, 0, n);
        }
        CALL.get().bodyRead = true;
        return out.toByteArray();
    }

    static String param(HttpExchange ex, String name) {
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String kv : q.split("&")) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq);
            if (k.equals(name)) {
                String v;
                try {
                    v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    // URLDecoder's own message names the class and the index: say what is wrong in the address.
                    throw new IllegalArgumentException("bad %-escape in " + name + "='" + echo(kv.substring(eq + 1))
                            + "': a % must be followed by two hex digits");
                }
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }

    private static int intParam(HttpExchange ex, String name, int dflt, int min, int max) {
        long v = longParam(ex, name, dflt);
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be within " + min + ".." + max + ", was " + v);
        }
        return (int) v;
    }

    private static long longParam(HttpExchange ex, String name, long dflt) {
        String s = param(ex, name);
        if (s == null) {
            return dflt;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was '" + echo(s) + "'");
        }
    }

    private static void securityHeaders(HttpExchange ex) {
        var h = ex.getResponseHeaders();
        h.add("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        h.add("X-Content-Type-Options", "nosniff");
        h.add("Referrer-Policy", "no-referrer");
        h.add("Cache-Control", "no-store");
    }

    private static void sendJson(HttpExchange ex, int status, Object node) throws IOException {
        send(ex, status, "application/json", json(node));
    }

    private static byte[] json(Object node) throws IOException {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IOException(e);
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        settleBody(ex);
        HttpAnswers.send(ex, status, type, body);
    }

    /**
     * Before any answer: a body refused unread (no token, busy, no capture service, over its path's limit) is read to
     * nowhere when it is within its path's limit ({@link Endpoint#bodyLimit}: an upload's for /api/open, a few KiB
     * elsewhere) or {@link HttpAnswers#REFUSED_BODY_DRAIN}, whichever is larger, so a client that sends the body
     * before reading the answer sees the answer rather than a reset connection; else the answer closes the connection
     * ({@link HttpAnswers#settleUnreadBody}).
     */
    private static void settleBody(HttpExchange ex) throws IOException {
        Call call = CALL.get();
        if (!call.bodyRead) {
            call.bodyRead = HttpAnswers.settleUnreadBody(ex, Math.max(call.drainLimit,
                    HttpAnswers.REFUSED_BODY_DRAIN));
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}

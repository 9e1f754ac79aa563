package pooltag.cli.http;

/**
 * What both servers ({@code serve}, {@code exporter}) ask of the JDK's HTTP server before making one. Its limits are
 * system properties read once, when the JVM's first server is made, so {@link #apply()} comes before
 * {@code HttpServer.create} (a value the user set with {@code -D} is kept): a request must arrive whole, headers and
 * body, within {@value #REQUEST_SECONDS} s and a response be taken within {@value #RESPONSE_SECONDS} s, else the
 * connection is closed, which frees its thread; at most {@value #MAX_CONNECTIONS} connections are open at once. A body
 * a handler refused unread is not drained (the JDK's default waits for up to 64 KiB of it, so a declared
 * Content-Length of 10^18 with no body held the answer until the request deadline): the connection is closed instead.
 * So the server keeps a connection only when the handler read the request's body stream to its end, an empty one
 * included: every handler settles it first ({@link HttpAnswers#settleUnreadBody}).
 * The server's own logger is off: its console handler would print two-line JDK warnings, in terms of the server's
 * internals, on the user's terminal.
 */
public final class HttpServerLimits {
    public static final int REQUEST_SECONDS = 10;
    public static final int RESPONSE_SECONDS = 30;
    public static final int MAX_CONNECTIONS = 64;

    /** Held here because java.util.logging keeps loggers weakly, and a collected logger loses its level. */
    private static final java.util.logging.Logger JDK_SERVER_LOG = java.util.logging.Logger.getLogger(
            "com.sun.net.httpserver");

    private HttpServerLimits() {
    }

    /** Before the JVM's first {@code HttpServer.create}; later calls change nothing. */
    public static void apply() {
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", Integer.toString(RESPONSE_SECONDS));
        System.getProperties().putIfAbsent("sun.net.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
        System.getProperties().putIfAbsent("sun.net.httpserver.drainAmount", "0");
        JDK_SERVER_LOG.setLevel(java.util.logging.Level.OFF);
    }
}

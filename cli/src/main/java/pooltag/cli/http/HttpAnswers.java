package pooltag.cli.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;

/**
 * How both servers ({@code serve}, {@code exporter}) answer on the JDK's HTTP server: a body, HEAD included; a 405
 * naming what the address takes; a request's declared Content-Length; request text quoted back in a message. Each
 * server keeps its own words and format (the exporter plain text, serve JSON): callers pass bodies already built.
 */
public final class HttpAnswers {
    /**
     * A refused body of at most this many bytes is read to nowhere before the refusal is answered (see
     * {@link #settleUnreadBody}): a client sends its body before it reads the answer, and a connection closed while
     * the body still arrives is reset by the kernel, which throws the answer away unread (curl: "Connection reset by
     * peer", no status). 1 MiB: a few milliseconds on loopback, and within any request deadline.
     */
    public static final int REFUSED_BODY_DRAIN = 1 << 20;
    /** Echoed request input is cut to this many characters (and "..."), with control characters escaped. */
    public static final int ECHO_CHARS = 64;

    private HttpAnswers() {
    }

    /**
     * Answers {@code status} with {@code body}, or for HEAD with the headers GET would get, its Content-Length
     * included, and no body. The JDK's server wants -1 as a HEAD answer's length (any other value makes it log a
     * warning and send no Content-Length), so a HEAD's Content-Length is set by hand; an empty body is sent as -1 too,
     * as 0 would make it answer chunked. The exchange is ended when this returns: with -1 (nothing to send) the
     * JDK's server ends it in {@code sendResponseHeaders}, else closing the body stream does.
     */
    public static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        if (hasToken(ex.getRequestHeaders().getFirst("Connection"), "close")) {
            // the server closes after answering a request that asked it to: the answer says so (RFC 9112, 9.6)
            ex.getResponseHeaders().set("Connection", "close");
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
        }
        ex.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (head || body.length == 0) {
            return;
        }
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * Why the request's Host header cannot be served, as a message for a 400, or null when it can: an HTTP/1.1 request
     * must carry exactly one (RFC 9112, 3.2); an HTTP/1.0 one may carry none, not two.
     */
    public static String hostProblem(HttpExchange ex) {
        java.util.List<String> hosts = ex.getRequestHeaders().get("Host");
        if (hosts != null && hosts.size() > 1) {
            return "a request must carry one Host header";
        }
        if (hosts == null && !"HTTP/1.0".equals(ex.getProtocol())) {
            return "an HTTP/1.1 request must carry a Host header";
        }
        return null;
    }

    /**
     * Whether the comma-separated header value {@code value} (Connection, Accept-Encoding) lists {@code token},
     * compared without case and ignoring parameters; a token whose {@code q} parameter is 0 is not listed
     * ("gzip;q=0" refuses gzip, RFC 9110, 12.4.2).
     */
    public static boolean hasToken(String value, String token) {
        if (value == null) {
            return false;
        }
        for (String part : value.split(",")) {
            String[] f = part.split(";");
            if (!f[0].strip().equalsIgnoreCase(token)) {
                continue;
            }
            for (int i = 1; i < f.length; i++) {
                String p = f[i].strip();
                if (p.regionMatches(true, 0, "q=", 0, 2)) {
                    try {
                        return Double.parseDouble(p.substring(2).strip()) > 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Whether {@code allow}, an {@code Allow} value ("GET, HEAD"), lists {@code method}. Compared exactly: methods are
     * case-sensitive, so "get" is not GET.
     */
    public static boolean allows(String allow, String method) {
        for (String m : allow.split(", ")) {
            if (m.equals(method)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A 405 with {@code Allow}, the methods the address takes, and the server's own {@code body}, which should not
     * echo the method: it is the client's text, of any length.
     */
    public static void methodNotAllowed(HttpExchange ex, String allow, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Allow", allow);
        send(ex, 405, type, body);
    }

    /**
     * Settles a request body the handler will not read, before the answer: with no body, its empty stream is read to
     * its end; a body of at
     * most {@code drainLimit} bytes (its declared Content-Length, or a chunked one as it arrives) is read to nowhere, a
     * buffer at a time (bounded in time by the server's request deadline, {@link HttpServerLimits}), so a client that
     * sent it before reading the answer can send its next request on the same connection; any other body (longer, or
     * shorter than declared) is left, and the answer says {@code Connection: close}, as the server closes the
     * connection after it (it drains nothing itself: {@link HttpServerLimits#apply}) and a client reusing it would
     * find it gone.
     *
     * @return true when the connection can take another request (no body, or the body read to its end)
     */
    public static boolean settleUnreadBody(HttpExchange ex, long drainLimit) throws IOException {
        Headers request = ex.getRequestHeaders();
        long declared;
        try {
            declared = declaredLength(request);
        } catch (IllegalArgumentException e) {
            declared = Long.MAX_VALUE; // not a number: never read, the connection closes
        }
        boolean chunked = request.getFirst("Transfer-Encoding") != null;
        if (declared == 0 || declared < 0 && !chunked) {
            // No body, but its stream must still be read to its end (one read, answered -1 at once): the server keeps a
            // connection only when the request's stream is at its end, and drains nothing itself, so a GET whose body
            // stream no one read closed the connection after its answer, without saying so.
            ex.getRequestBody().read();
            return true;
        }
        if (declared <= drainLimit) { // declared within the limit, or chunked (declared -1): read at most the limit
            InputStream in = ex.getRequestBody();
            byte[] buf = new byte[(int) Math.min(65536, drainLimit + 1)];
            long read = 0;
            int k = 0;
            while (read <= drainLimit && (k = in.read(buf, 0, (int) Math.min(buf.length, drainLimit + 1 - read))) >= 0) {
                read += k;
            }
            if (k < 0 && (declared < 0 || read == declared)) {
                return true;
            }
        }
        ex.getResponseHeaders().set("Connection", "close");
        return false;
    }

    /**
     * The request's declared Content-Length, or -1 when it declares none. The JDK's server already answers 400 to a
     * Content-Length that is not a number or is negative, before any handler runs; should one get through, a
     * non-number is an IllegalArgumentException quoting it ({@link #echo}) and a caller takes any negative result as
     * no length.
     */
    public static long declaredLength(Headers request) {
        String declared = request.getFirst("Content-Length");
        if (declared == null) {
            return -1;
        }
        try {
            return Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad Content-Length '" + echo(declared) + "': not a number");
        }
    }

    /** Request text echoed in a message: at most {@link #ECHO_CHARS} characters, control characters escaped. */
    public static String echo(String s) {
        String e = escapeControls(s);
        return e.length() <= ECHO_CHARS ? e : e.substring(0, ECHO_CHARS) + "...";
    }

    /**
     * {@code s} on one line: control characters and the Unicode line and paragraph separators as Java-style escapes,
     * so echoed text cannot start a line of its own in a message or a log.
     */
    public static String escapeControls(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                switch (c) {
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> b.append(String.format("\\u%04x", (int) c));
                }
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}

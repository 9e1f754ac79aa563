package pooltag.cli.web;

import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import com.sun.net.httpserver.HttpExchange;

/**
 * Who may use the page. Invariants:
 * <ul>
 *   <li>A token (256 random bits) exists for every server and is needed for everything but the page that asks for
 *       it, on loopback too: other local users can reach loopback, and the server runs as root. It is given only to
 *       the starter, printed on the terminal that started the server as an address with {@code ?token=}; it is never
 *       in a response to a request that did not carry it.</li>
 *   <li>A request carries it as the {@code pooltag_token} cookie (HttpOnly, SameSite=Strict; set by opening
 *       {@code /?token=...} once, which redirects to {@code /} so the token leaves the address bar) or the
 *       {@code X-Pooltag-Token} header. {@code GET /} without it answers the form that asks for it, nothing more.</li>
 *   <li>No GET changes state. Requests that do are POSTs and must carry the token in the {@code X-Pooltag-Token}
 *       header: a cookie alone is not enough, so another web site open in the same browser cannot arm a hit or start
 *       a hunt (a cross-origin page cannot set that header without a CORS preflight, which this server never
 *       grants). The page gets the token inside the HTML served to a cookie holder, which other origins cannot
 *       read.</li>
 *   <li>On loopback, the Host header must name loopback, so a DNS-rebinding site cannot read the page.</li>
 * </ul>
 */
final class Access {
    static final String COOKIE = "pooltag_token";
    static final String HEADER = "X-Pooltag-Token";

    private final String token;
    private final boolean loopback;

    Access(String token, boolean loopback) {
        this.token = token;
        this.loopback = loopback;
    }

    static Access forBind(InetAddress bind) {
        return new Access(newToken(), bind.isLoopbackAddress());
    }

    static String newToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    String token() {
        return token;
    }

    /**
     * Why the request is refused, as {@code "status message"}, or null when it may proceed. {@code GET /} always
     * proceeds: it trades {@code ?token=} for the cookie, serves the page to a cookie holder, or asks for the token.
     */
    String refusal(HttpExchange ex) {
        if (ex.getRequestURI().isAbsolute() || ex.getRequestURI().getRawAuthority() != null) {
            // absolute-form (GET http://evil.com/...) is for proxies; its host would bypass the Host check
            return "400 the request target must be a path (/api/info), not an absolute address";
        }
        String hostProblem = pooltag.cli.http.HttpAnswers.hostProblem(ex);
        if (hostProblem != null) {
            return "400 " + hostProblem;
        }
        List<String> hosts = ex.getRequestHeaders().get("Host");
        if (loopback && !loopbackHost(hosts == null ? null : hosts.get(0))) {
            return "403 Host header must name the loopback address this server listens on";
        }
        String method = ex.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            if (ex.getRequestURI().getPath().equals("/")) {
                return null;
            }
            if (!authenticated(ex)) {
                return "401 this pooltag server needs its token: open the address printed at its start (/?token=...)";
            }
            return null;
        }
        if (!matches(ex.getRequestHeaders().getFirst(HEADER))) {
            // The method is not echoed: it is the client's text, of any length.
            return "403 a request other than GET needs the X-Pooltag-Token header (the token printed when the server"
                    + " started)";
        }
        return null;
    }

    /** The token came as the header or the cookie. */
    boolean authenticated(HttpExchange ex) {
        return matches(ex.getRequestHeaders().getFirst(HEADER)) || matches(cookie(ex));
    }

    boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(candidate.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }
    static String queryToken(HttpExchange ex) {
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String kv : q.split("&")) {
            if (kv.startsWith("token=")) {
                try {
                    return URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null; // a bad %-escape is no token: the form asks for it again
                }
            }
        }
        return null;
    }

    static String cookie(HttpExchange ex) {
        List<String> headers = ex.getRequestHeaders().get("Cookie");
        if (headers == null) {
            return null;
        }
        for (String h : headers) {
            for (String c : h.split(";")) {
                String t = c.trim();
                if (t.startsWith(COOKIE + "=")) {
                    return t.substring(COOKIE.length() + 1);
                }
            }
        }
        return null;
    }

    /**
     * The whole Host value is a loopback name and an optional port, nothing else: a value like
     * {@code 127.0.0.1:80, evil.com} (a list) or with trailing text is refused, since a proxy or browser may read it
     * otherwise.
     */
    static boolean loopbackHost(String host) {
        return host != null && LOOPBACK_HOST.matcher(host.toLowerCase(Locale.ROOT)).matches();
    }

    private static final java.util.regex.Pattern LOOPBACK_HOST = java.util.regex.Pattern.compile(
            "(localhost|127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|\\[::1])(:\\d{1,5})?");
}

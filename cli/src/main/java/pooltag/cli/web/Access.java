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
 *   <li>A token (256 random bits) exists for every server, printed at start when it is required.</li>
 *   <li>Bound beyond loopback, every request must carry it: the {@code pooltag_token} cookie (set by opening
 *       {@code /?token=...} once), or the {@code X-Pooltag-Token} header.</li>
 *   <li>State-changing requests are POSTs and must carry it in the {@code X-Pooltag-Token} header, even on loopback: a
 *       cookie alone is not enough, so another web site open in the same browser cannot arm a hit (CSRF). The page
 *       gets the token inside the HTML it is served, which other origins cannot read.</li>
 *   <li>On loopback, the Host header must name loopback, so a DNS-rebinding site cannot read the page.</li>
 * </ul>
 */
final class Access {
    static final String COOKIE = "pooltag_token";
    static final String HEADER = "X-Pooltag-Token";

    private final String token;
    private final boolean requireToken;
    private final boolean loopback;

    Access(String token, boolean requireToken, boolean loopback) {
        this.token = token;
        this.requireToken = requireToken;
        this.loopback = loopback;
    }

    /** The policy for a bind address: loopback serves without a token unless {@code forceToken}. */
    static Access forBind(InetAddress bind, boolean forceToken) {
        boolean lo = bind.isLoopbackAddress();
        return new Access(newToken(), forceToken || !lo, lo);
    }

    static String newToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    String token() {
        return token;
    }

    boolean tokenRequired() {
        return requireToken;
    }

    /** Why the request is refused, as {@code "status message"}, or null when it may proceed. */
    String refusal(HttpExchange ex) {
        if (loopback && !loopbackHost(ex.getRequestHeaders().getFirst("Host"))) {
            return "403 Host header must name the loopback address this server listens on";
        }
        boolean post = ex.getRequestMethod().equals("POST");
        if (post && !matches(ex.getRequestHeaders().getFirst(HEADER))) {
            return "403 a POST needs the X-Pooltag-Token header (the token printed when the server started)";
        }
        if (requireToken && !post && !matches(ex.getRequestHeaders().getFirst(HEADER)) && !matches(cookie(ex))
                && !matches(queryToken(ex))) {
            return "401 this pooltag server needs its token: open the address printed at its start (/?token=...)";
        }
        return null;
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
                return URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8);
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

    static boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end < 0 ? h : h.substring(1, end);
        } else if (h.indexOf(':') >= 0) {
            h = h.substring(0, h.indexOf(':'));
        }
        return h.equals("localhost") || h.equals("::1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}

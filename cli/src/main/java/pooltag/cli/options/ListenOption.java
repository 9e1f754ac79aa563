package pooltag.cli.options;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import picocli.CommandLine.Option;
import pooltag.core.error.PooltagException;

/**
 * {@code --listen HOST:PORT} ({@code 127.0.0.1:9464}, {@code [::1]:8080}, {@code localhost:0}); each server command
 * gives its own loopback default.
 */
public final class ListenOption {
    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "address to serve on (default: ${DEFAULT-VALUE})")
    String listen;

    public ListenOption(String defaultAddress) {
        this.listen = defaultAddress;
    }

    /** As typed, for messages. */
    public String text() {
        return listen;
    }

    /** @throws PooltagException one line naming --listen, for a value it cannot take */
    public InetSocketAddress address() {
        return parse(listen);
    }

    static InetSocketAddress parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new PooltagException("bad --listen '" + s + "': expected HOST:PORT, e.g. 127.0.0.1:9464");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new PooltagException("bad --listen '" + s + "': port '" + s.substring(colon + 1) + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new PooltagException("bad --listen '" + s + "': port " + port + " is outside 0..65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new PooltagException("bad --listen '" + s + "': unknown host '" + host + "'");
        }
    }

    /** As a URL authority: IPv6 in brackets. */
    public static String authority(InetSocketAddress a, int port) {
        String h = a.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
    }
}

package pooltag.cli.commands;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import pooltag.core.error.PooltagException;

/** Parses {@code --listen HOST:PORT} ({@code 127.0.0.1:9464}, {@code [::1]:8080}, {@code localhost:0}). */
final class ListenAddress {
    private ListenAddress() {
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
    static String authority(InetSocketAddress a, int port) {
        String h = a.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
    }
}
